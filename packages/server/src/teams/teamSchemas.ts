import {
  MAX_ROLE_NAME_LENGTH,
  MAX_TEAM_NAME_LENGTH,
  type MemberRecord,
  type RoleRecord,
} from "@latchkey/core";
import { type Static, Type } from "@sinclair/typebox";
import { NullableTimestamp, Timestamp } from "../http/schemas.js";

/** Teams on the wire: Vast's field names where Vast has them (docs/teams.md). */

export const Team = Type.Object(
  {
    success: Type.Literal(true),
    id: Type.Integer({ description: "The team's account id: what `team_id` names." }),
    team_name: Type.String(),
    created_at: Timestamp,
    role: Type.Optional(Type.String({ description: "The caller's role in the team." })),
  },
  { $id: "Team" },
);
export type TeamView = Static<typeof Team>;

export const TeamMember = Type.Object(
  {
    id: Type.Integer({ description: "The member's person account id." }),
    username: Type.String({ description: "The member's email (Latchkey has no user names)." }),
    email: Type.String(),
    fullname: Type.String(),
    roles: Type.Array(Type.String(), { description: "The member's role, as a list of one." }),
    role_id: Type.Integer(),
    joined_at: Timestamp,
  },
  { $id: "TeamMember" },
);
export type TeamMemberView = Static<typeof TeamMember>;

export const TeamRole = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    identifier: Type.String({ description: "The name in lower case, `_` for other characters." }),
    builtin: Type.Boolean({ description: "One of owner, manager and member." }),
    permissions: Type.Ref("Permissions"),
  },
  { $id: "TeamRole" },
);
export type TeamRoleView = Static<typeof TeamRole>;

export const TeamInvitation = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    role: Type.String(),
    role_id: Type.Integer(),
    invited_by: Type.Integer(),
    created_at: Timestamp,
    expires_at: Timestamp,
    team_id: Type.Integer(),
    team_name: Type.Optional(Type.String()),
  },
  { $id: "TeamInvitation" },
);
export type TeamInvitationView = Static<typeof TeamInvitation>;

export const TeamKey = Type.Object(
  {
    id: Type.Integer(),
    user_id: Type.Integer({ description: "The member the key belongs to." }),
    username: Type.String(),
    name: Type.String(),
    key: Type.Literal("", { description: "Always empty: a secret is never shown again." }),
    key_type: Type.Literal("team"),
    created_at: Timestamp,
    role_name: Type.Union([Type.String(), Type.Null()]),
    last_used_at: NullableTimestamp,
    expires_at: NullableTimestamp,
  },
  { $id: "TeamKey" },
);

export const Done = Type.Object({ success: Type.Literal(true), msg: Type.String() });

export const TeamNameBody = Type.Object(
  {
    team_name: Type.String({ maxLength: MAX_TEAM_NAME_LENGTH }),
    transfer_credit: Type.Optional(
      Type.Union([Type.Number(), Type.String({ maxLength: 32 }), Type.Null()], {
        description: "Vast's; Latchkey holds no credit, so only 0 is accepted.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const RoleBody = Type.Object(
  {
    name: Type.String({ maxLength: MAX_ROLE_NAME_LENGTH * 2 }),
    permissions: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

export const RolePatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: MAX_ROLE_NAME_LENGTH * 2 })),
    permissions: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);

/** A role in a path: its name (any case), or its id. */
export const RoleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const MemberRoleBody = Type.Object(
  {
    role_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
    role: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    member_id: Type.Optional(Type.Integer({ description: "Vast's; the path's id is used." })),
  },
  { additionalProperties: false },
);

export const InviteFields = {
  email: Type.Optional(Type.String({ maxLength: 320 })),
  role: Type.Optional(Type.String({ maxLength: 100 })),
};

export const TransferBody = Type.Object(
  { new_team_owner_id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) },
  { additionalProperties: false },
);

export const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 100 }) });

export const teamSchemas = [Team, TeamMember, TeamRole, TeamInvitation, TeamKey];

export type { MemberRecord, RoleRecord };
