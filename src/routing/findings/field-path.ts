/**
 * Field paths built one step at a time, in the way Kubernetes builds them
 * (kubernetes/apimachinery, pkg/util/validation/field/path.go: `Child`, `Index`, `Key`), so
 * that every finding names its field the same way. A map key is written JSON-quoted
 * (`metadata.annotations["alb.ingress.kubernetes.io/actions.web"]`): annotation keys hold
 * dots and slashes.
 *
 * The parsers name every field they read, and almost none of those names ever reach a
 * finding, so a step only links to its parent: the text is put together the first time it
 * is asked for, by a loop over the steps (their number is fixed by the code, not the input).
 */
type StepKind = 'child' | 'index' | 'key';

export class FieldPath {
  /** The object itself (an empty path), for a finding about the whole object. */
  static readonly WHOLE_OBJECT = new FieldPath(undefined, 'child', '');

  private text: string | undefined;

  private constructor(
    private readonly parent: FieldPath | undefined,
    private readonly kind: StepKind,
    /** A field name, an array index or a map key, as `kind` says. */
    private readonly step: string | number,
  ) {}

  /** A path from the object's root, e.g. `FieldPath.of('spec', 'rules')`. */
  static of(first: string, ...more: string[]): FieldPath {
    return FieldPath.WHOLE_OBJECT.child(first, ...more);
  }

  child(...names: string[]): FieldPath {
    // One name is the parsers' case, once per field they read: no fold for it.
    // Equivalent survivor: names.length === 1 → false: the fold over one name builds the same step
    if (names.length === 1) return new FieldPath(this, 'child', names[0]!);
    return names.reduce<FieldPath>((parent, name) => new FieldPath(parent, 'child', name), this);
  }

  index(index: number): FieldPath {
    return new FieldPath(this, 'index', index);
  }

  key(key: string): FieldPath {
    return new FieldPath(this, 'key', key);
  }

  toString(): string {
    // Kept once written: a finding's path is printed again by dedupe keys and messages.
    return (this.text ??= this.joinSteps());
  }

  private joinSteps(): string {
    const chain: FieldPath[] = [this];
    for (let path = this.parent; path !== undefined; path = path.parent) chain.push(path);
    let text = '';
    for (let i = chain.length - 1; i >= 0; i--) text += chain[i]!.stepText();
    return text;
  }

  private stepText(): string {
    switch (this.kind) {
      case 'child':
        return this.parent === undefined || this.parent === FieldPath.WHOLE_OBJECT
          ? String(this.step)
          : `.${this.step}`;
      // An index is a number, whose JSON text is its digits (`[3]`); a map key is quoted.
      case 'index':
      case 'key':
        return `[${JSON.stringify(this.step)}]`;
    }
  }
}
