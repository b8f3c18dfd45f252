import type { Category } from "../catalogue.js";

/** One parameter's constraint: every operator given must hold. */
export interface Constraint {
  eq?: number | string | boolean;
  lte?: number;
  gte?: number;
}

/** A grant of one route (or `*`, the category's routes not named beside it). */
export interface RouteGrant {
  constraints?: Record<string, Constraint>;
}

/** `{}` grants the whole category; otherwise only the named routes (and `*`). */
export type CategoryRule = Record<string, RouteGrant>;

/** Vast's permission tree. `null` stands for full access, including categories added later. */
export interface PermissionTree {
  api: Partial<Record<Category, CategoryRule>>;
}

export type Permissions = PermissionTree | null;

export const WILDCARD = "*";
export const OPERATORS = ["eq", "lte", "gte"] as const;
