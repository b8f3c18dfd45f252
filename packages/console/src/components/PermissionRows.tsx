import { useId } from "react";
import type { AccessLevel, Area, AreaLevels } from "../lib/permissionAreas.js";

const CHOICES: { level: AccessLevel; label: string }[] = [
  { level: "none", label: "No access" },
  { level: "read", label: "Read" },
  { level: "write", label: "Read & write" },
];

/** One row per area, each a group of radio buttons (arrow keys move within a row). */
export function PermissionRows({
  areas,
  levels,
  onChange,
  disabled,
}: {
  areas: readonly Area[];
  levels: AreaLevels;
  onChange: (levels: AreaLevels) => void;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="perm-rows">
      {areas.map((area) => {
        const labelId = `${id}-${area.id}-label`;
        const descriptionId = `${id}-${area.id}-description`;
        // An area of one category (Miscellaneous) has no read-only level to offer.
        const choices = area.read ? CHOICES : CHOICES.filter((c) => c.level !== "read");
        return (
          <div key={area.id} className="perm-row">
            <div className="perm-area">
              <span id={labelId} className="perm-area-name">
                {area.label}
              </span>
              <span id={descriptionId} className="perm-area-description">
                {area.description}
              </span>
            </div>
            <div
              className={`segmented${area.read ? "" : " segmented-two"}`}
              role="radiogroup"
              aria-labelledby={labelId}
              aria-describedby={descriptionId}
            >
              {choices.map((choice) => {
                const inputId = `${id}-${area.id}-${choice.level}`;
                return (
                  <span key={choice.level} className="segment">
                    <input
                      type="radio"
                      id={inputId}
                      name={`${id}-${area.id}`}
                      value={choice.level}
                      checked={(levels[area.id] ?? "none") === choice.level}
                      disabled={disabled}
                      onChange={() => onChange({ ...levels, [area.id]: choice.level })}
                    />
                    <label htmlFor={inputId}>{choice.label}</label>
                  </span>
                );
              })}
            </div>
          </div>
        );
      })}
    </div>
  );
}
