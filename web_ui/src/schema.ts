// The plan schema served by the API (derived from protos/fleet.proto): every choice in the page comes from here.
import { createContext, useContext } from 'react';

import type { Schemas } from './contract';

export interface FieldInfo {
  name: string;
  kind: 'string' | 'boolean' | 'number' | 'integer' | 'enum' | 'message' | 'json';
  repeated?: boolean;
  map?: boolean;
  required?: boolean;
  pattern?: string;
  patternHint?: string;
  template?: boolean;
  enum?: string;
  message?: string;
}

export interface Choice<Value extends string = string> {
  name: Value;
  requires: string[];
  // The fields the choice takes (those it requires too), where a choice decides which fields apply.
  takes: string[];
}

export interface Schema {
  root: string;
  messages: Record<string, FieldInfo[]>;
  enums: Record<string, Choice[]>;
  importFormats: { name: string; description: string }[];
  // The values a `requires` syntax allows, where they are a short list of words (json_type's type names).
  syntaxValues: Record<string, string[]>;
}

type Message = keyof Schemas;
type FieldOf<M extends Message> = keyof Schemas[M] & string;
// The enum values a field takes, as the generated types have them.
type ValueOf<M extends Message, F extends FieldOf<M>> = Extract<NonNullable<Schemas[M][F]>, string>;

export const SchemaContext = createContext<Schema | null>(null);

export function useSchema(): Schema {
  const schema = useContext(SchemaContext);
  if (!schema) throw new Error('the schema is not loaded');
  return schema;
}

export function field<M extends Message>(schema: Schema, message: M, name: FieldOf<M>): FieldInfo {
  const info = schema.messages[message]?.find((candidate) => candidate.name === name);
  if (!info) throw new Error(`the schema has no field ${message}.${name}`);
  return info;
}

// The served schema and the generated types come from the same proto, so its choices are the type's values.
export function choices<M extends Message, F extends FieldOf<M>>(schema: Schema, message: M, name: F): Choice<ValueOf<M, F>>[] {
  const info = field(schema, message, name);
  return (info.enum ? (schema.enums[info.enum] ?? []) : []) as Choice<ValueOf<M, F>>[];
}

// The value a new item starts with: the enum's first choice.
export function firstChoice<Value extends string>(list: Choice<Value>[]): Value {
  const first = list[0];
  if (!first) throw new Error('the schema has an enum without choices');
  return first.name;
}

// What a chosen enum value needs: `requires` lists field names, optionally with a kind ("expr:jsonpath").
export function requirement(choice: Choice | undefined, name: string): string | null {
  const entry = choice?.requires.find((item) => item.split(':')[0] === name);
  if (entry === undefined) return null;
  return entry.split(':')[1] ?? '';
}

export function findChoice<Value extends string>(list: Choice<Value>[], name: string | undefined): Choice<Value> | undefined {
  return list.find((choice) => choice.name === name);
}
