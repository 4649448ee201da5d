import { describe, expect, it } from 'vitest';
import {
  LEGACY_FORMAT_ERROR,
  addManagedKeys,
  parseLegacyManagedAlbActions,
  parseManagedAlbAnnotations,
  removeManagedKeys,
  renderManagedAlbAnnotations,
  type ManagedAlbAnnotations,
} from '../../../src/routing/alb/managed-annotations.js';

const parsed = (text: string | undefined): ManagedAlbAnnotations => {
  const result = parseManagedAlbAnnotations(text);
  if (!result.ok) throw new Error(result.error);
  return result.value;
};

describe('managed-alb-annotations (argo ingress.go)', () => {
  it('argo ingress.go renders the worked example', () => {
    const map = addManagedKeys(new Map(), 'rollout', ['alb.ingress.kubernetes.io/actions.stable-svc']);
    expect(renderManagedAlbAnnotations(map)).toBe(
      '{"rollout":["alb.ingress.kubernetes.io/actions.stable-svc"]}',
    );
  });

  it('argo ingress.go sorts rollout names bytewise (uppercase before lowercase, "10" before "9"), arrays keep insertion order', () => {
    const map = parsed('{"web":["z","a"],"Api":[],"9":["k"],"10":["k"],"api":["k"]}');
    expect(renderManagedAlbAnnotations(map)).toBe(
      '{"10":["k"],"9":["k"],"Api":[],"api":["k"],"web":["z","a"]}',
    );
  });

  it('argo ingress.go an empty or missing value means no entries; JSON null too', () => {
    expect(parsed('').size).toBe(0);
    expect(parsed(undefined).size).toBe(0);
    expect(parsed('null').size).toBe(0);
    expect(renderManagedAlbAnnotations(new Map())).toBe('{}');
  });

  it('argo ingress.go a null array element reads as "" (Go ignores null for a string), no error', () => {
    expect(renderManagedAlbAnnotations(parsed('{"a":["k",null]}'))).toBe('{"a":["k",""]}');
  });

  it('argo ingress.go a nil entry of another Rollout is kept as null', () => {
    expect(renderManagedAlbAnnotations(parsed('{"b":null,"a":[]}'))).toBe('{"a":[],"b":null}');
  });

  it('argo ingress.go add appends only missing keys and keeps other entries', () => {
    const map = addManagedKeys(parsed('{"other":["x"],"ro":["k1"]}'), 'ro', ['k1', 'k2', 'k2']);
    expect(renderManagedAlbAnnotations(map)).toBe('{"other":["x"],"ro":["k1","k2"]}');
    expect(renderManagedAlbAnnotations(addManagedKeys(parsed('{"ro":null}'), 'ro', ['k']))).toBe(
      '{"ro":["k"]}',
    );
  });

  it('argo ingress.go remove deletes matching keys; the entry stays, possibly [] (also for a missing or nil entry)', () => {
    expect(renderManagedAlbAnnotations(removeManagedKeys(parsed('{"ro":["a","b"]}'), 'ro', ['a', 'b']))).toBe(
      '{"ro":[]}',
    );
    expect(renderManagedAlbAnnotations(removeManagedKeys(parsed('{"o":["a"]}'), 'ro', ['a']))).toBe(
      '{"o":["a"],"ro":[]}',
    );
    expect(renderManagedAlbAnnotations(removeManagedKeys(parsed('{"ro":null}'), 'ro', []))).toBe('{"ro":[]}');
  });

  it('argo ingress.go add keeps the keys already listed; remove keeps the keys not named', () => {
    expect(renderManagedAlbAnnotations(addManagedKeys(parsed('{"ro":["k1"]}'), 'ro', ['k2']))).toBe(
      '{"ro":["k1","k2"]}',
    );
    expect(renderManagedAlbAnnotations(removeManagedKeys(parsed('{"ro":["a","b","c"]}'), 'ro', ['b']))).toBe(
      '{"ro":["a","c"]}',
    );
  });

  it('add and remove do not modify their input', () => {
    const map = parsed('{"ro":["a"]}');
    addManagedKeys(map, 'ro', ['b']);
    removeManagedKeys(map, 'ro', ['a']);
    expect(map.get('ro')).toEqual(['a']);
  });

  it('argo ingress.go invalid JSON is an error, not an empty map', () => {
    const result = parseManagedAlbAnnotations('test');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBe("invalid character 'e' in literal true (expecting 'r')");
  });

  it('argo ingress.go type mismatches use Go’s "cannot unmarshal" wording', () => {
    expect(parseManagedAlbAnnotations('[]')).toEqual({
      ok: false,
      error: 'json: cannot unmarshal array into Go value of type map[string][]string',
    });
    expect(parseManagedAlbAnnotations('{"a":"k"}')).toEqual({
      ok: false,
      error: 'json: cannot unmarshal string into Go value of type []string',
    });
    expect(parseManagedAlbAnnotations('{"a":[1]}')).toEqual({
      ok: false,
      error: 'json: cannot unmarshal number into Go value of type string',
    });
    expect(parseManagedAlbAnnotations('{"a":[true]}')).toEqual({
      ok: false,
      error: 'json: cannot unmarshal bool into Go value of type string',
    });
    expect(parseManagedAlbAnnotations('{"a":{}}')).toEqual({
      ok: false,
      error: 'json: cannot unmarshal object into Go value of type []string',
    });
  });
});

describe('legacy managed-alb-actions (argo ingress.go)', () => {
  it('argo ingress.go parses ro:key pairs', () => {
    const result = parseLegacyManagedAlbActions(
      'ro:alb.ingress.kubernetes.io/actions.svc,ro2:x.io/actions.b',
    );
    expect(result).toEqual({
      ok: true,
      value: new Map([
        ['ro', 'alb.ingress.kubernetes.io/actions.svc'],
        ['ro2', 'x.io/actions.b'],
      ]),
    });
  });

  it('argo ingress.go an empty value is an empty map', () => {
    expect(parseLegacyManagedAlbActions('')).toEqual({ ok: true, value: new Map() });
    expect(parseLegacyManagedAlbActions(undefined)).toEqual({ ok: true, value: new Map() });
  });

  it('argo ingress.go a piece that does not split into exactly 2 parts fails with the controller message', () => {
    for (const bad of ['ro', 'ro:a:b', 'ro:a,', ',ro:a', 'a:b,c']) {
      expect(parseLegacyManagedAlbActions(bad)).toEqual({ ok: false, error: LEGACY_FORMAT_ERROR });
    }
    expect(LEGACY_FORMAT_ERROR).toBe('incorrectly formatted managed actions annotation');
  });

  it('argo ingress.go a later duplicate rollout name wins', () => {
    expect(parseLegacyManagedAlbActions('ro:a,ro:b')).toEqual({ ok: true, value: new Map([['ro', 'b']]) });
  });
});
