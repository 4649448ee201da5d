/**
 * Field paths built one step at a time, in the way Kubernetes builds them
 * (kubernetes/apimachinery, pkg/util/validation/field/path.go: `Child`, `Index`, `Key`), so
 * that every finding names its field the same way. A map key is written JSON-quoted
 * (`metadata.annotations["alb.ingress.kubernetes.io/actions.web"]`): annotation keys hold
 * dots and slashes.
 */
export class FieldPath {
  private constructor(private readonly text: string) {}

  /** A path from the object's root, e.g. `FieldPath.of('spec', 'rules')`. */
  static of(...names: string[]): FieldPath {
    return new FieldPath(names.join('.'));
  }

  child(...names: string[]): FieldPath {
    return new FieldPath([this.text, ...names].join('.'));
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  key(key: string): FieldPath {
    return new FieldPath(`${this.text}[${JSON.stringify(key)}]`);
  }

  toString(): string {
    return this.text;
  }
}
