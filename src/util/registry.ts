/**
 * A registry: things of one kind (layers, losses, metrics, optimizers) by name, so that `compile`,
 * a saved config and a user name them the same way. Each kind has one; adding a thing is defining
 * it and one `register…` call (built-ins register themselves where they are defined). A name is
 * canonical (what a saved config writes) and may have aliases (Keras's short forms: 'mse' for
 * 'mean_squared_error', 'adam' for 'Adam'). Nothing is replaced unless asked for, so what a name
 * means never depends on which module happened to load last.
 */
import { ArgumentError, describe } from './errors.js';
import { checkOptions } from './options.js';

/** A registered thing as plain data: its registered name and its options (layers add their input shape). */
export interface NamedConfig {
  className: string;
  config: Record<string, unknown>;
}

export interface RegisterOptions {
  /** Other names it is found by; a saved config always writes the canonical one. */
  aliases?: readonly string[];
  /** Replace an existing registration of the same name (and aliases) instead of refusing it. */
  override?: boolean;
}

export class Registry<T> {
  readonly #entries = new Map<string, T>();
  /** Every name, canonical or alias, to its canonical name. */
  readonly #names = new Map<string, string>();

  /**
   * `kind` names the things in messages ('loss'); `registerFn` is the function users call to add
   * one ('registerLoss'), named in messages about registering.
   */
  constructor(
    readonly kind: string,
    readonly registerFn: string,
  ) {}

  register(name: string, value: T, options: RegisterOptions = {}): void {
    const fn = this.registerFn;
    const o = checkOptions(fn, options, ['aliases', 'override']) as RegisterOptions;
    const aliases = o.aliases ?? [];
    if (!Array.isArray(aliases))
      throw new ArgumentError(`${fn}: got aliases ${describe(aliases)}; expected an array of names`);
    for (const n of [name, ...aliases]) {
      if (typeof n !== 'string' || !/^[A-Za-z_$][\w$.]*$/.test(n)) {
        throw new ArgumentError(`${fn}: got name ${describe(n)}; expected a name such as "MyThing" or "my_thing"`);
      }
      const taken = this.#names.get(n);
      if (taken !== undefined && !o.override) {
        const what = taken === n ? 'is already registered' : `already names the ${this.kind} "${taken}"`;
        throw new ArgumentError(`${fn}: "${n}" ${what}; pick another name or pass { override: true } to replace it`);
      }
    }
    this.#entries.set(name, value);
    for (const n of [name, ...aliases]) this.#names.set(n, name);
  }

  /** The canonical name for a name or alias; undefined when unknown. */
  canonical(name: string): string | undefined {
    return typeof name === 'string' ? this.#names.get(name) : undefined;
  }

  has(name: string): boolean {
    return this.canonical(name) !== undefined;
  }

  /** The thing a name or alias stands for; an unknown name is refused, listing every known one. */
  get(fn: string, name: unknown): T {
    const canonical = typeof name === 'string' ? this.#names.get(name) : undefined;
    if (canonical === undefined) {
      throw new ArgumentError(
        `${fn}: unknown ${this.kind} ${describe(name)}; expected one of ${this.allNames()
          .map((n) => `'${n}'`)
          .join(', ')} ` + `(a custom ${this.kind} is added with ${this.registerFn})`,
      );
    }
    return this.#entries.get(canonical) as T;
  }

  /** The canonical name of the first entry that `test` accepts (e.g. by identity); undefined if none. */
  find(test: (value: T) => boolean): string | undefined {
    for (const [name, value] of this.#entries) if (test(value)) return name;
    return undefined;
  }

  /** Canonical names, sorted. */
  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** Every name a lookup accepts, aliases included, sorted. */
  allNames(): string[] {
    return [...this.#names.keys()].sort();
  }
}
