-- Custom SQL migration file, put your code below! --
-- The response tallies of every directive's current revision, from its targets and their acknowledgements
-- (directive_tallies; kept in step from here on by src/db/queries/directives.ts).
INSERT INTO "directive_tallies" ("directive_id", "township_id", "revision", "targeted", "acknowledged", "on_time")
SELECT t."directive_id", t."township_id", d."revision", count(*), count(a."unit_id"),
       coalesce(sum(CASE WHEN a."unit_id" IS NOT NULL AND NOT a."late" THEN 1 ELSE 0 END), 0)
  FROM "directive_targets" t
  JOIN "directives" d ON d."id" = t."directive_id"
  LEFT JOIN "acknowledgements" a ON a."directive_id" = t."directive_id" AND a."unit_id" = t."unit_id" AND a."revision" = d."revision"
 GROUP BY t."directive_id", t."township_id", d."revision";
