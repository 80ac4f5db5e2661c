// The plan schema served by the API (derived from protos/fleet.proto): every choice in the page comes from here.
import { createContext, useContext } from 'react';

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

export interface Choice {
  name: string;
  requires: string[];
}

export interface Schema {
  root: string;
  messages: Record<string, FieldInfo[]>;
  enums: Record<string, Choice[]>;
  importFormats: { name: string; description: string }[];
}

export const SchemaContext = createContext<Schema | null>(null);

export function useSchema(): Schema {
  const schema = useContext(SchemaContext);
  if (!schema) throw new Error('the schema is not loaded');
  return schema;
}

export function field(schema: Schema, message: string, name: string): FieldInfo {
  const info = schema.messages[message]?.find((candidate) => candidate.name === name);
  if (!info) throw new Error(`the schema has no field ${message}.${name}`);
  return info;
}

export function choices(schema: Schema, message: string, name: string): Choice[] {
  const info = field(schema, message, name);
  return info.enum ? schema.enums[info.enum] : [];
}

// What a chosen enum value needs: `requires` lists field names, optionally with a kind ("expr:jsonpath").
export function requirement(choice: Choice | undefined, name: string): string | null {
  const entry = choice?.requires.find((item) => item.split(':')[0] === name);
  if (entry === undefined) return null;
  return entry.split(':')[1] ?? '';
}

export function findChoice(list: Choice[], name: string | undefined): Choice | undefined {
  return list.find((choice) => choice.name === name);
}
