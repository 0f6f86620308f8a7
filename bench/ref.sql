-- bench/ref.sql: bench/bench.kam written in SQLite, a comparison for the
-- benchmark.
--
--   sqlite3 :memory: \
--     -cmd ".import --csv accounts.csv account" \
--     -cmd "CREATE TABLE param AS SELECT '2026-06-30' AS as_of, 0.10 AS growth_floor" \
--     < bench/ref.sql > out.csv
--
-- Expects the table `account` as sqlite3's .import makes it from the CSV that
-- bench/gen.c writes (every column TEXT, an empty last_review as ''), and
-- prints the same CSV as `kam run bench/bench.kam ... --format csv` and
-- bench/handwritten.c. The optional table `param` sets today and the growth
-- floor; without it today is the run date and the floor 10%, as in kam.

CREATE TABLE IF NOT EXISTS param(as_of TEXT, growth_floor REAL);
INSERT INTO param SELECT date('now'), 0.10 WHERE NOT EXISTS (SELECT 1 FROM param);

.headers on
.mode list
.separator ","

WITH
today AS (
  SELECT as_of,
         julianday(as_of) AS jd,
         CAST(substr(as_of, 1, 4) AS INTEGER) * 12
           + CAST(substr(as_of, 6, 2) AS INTEGER) AS months,
         CAST(substr(as_of, 9, 2) AS INTEGER) AS mday,
         growth_floor
  FROM param LIMIT 1
),
-- Fields converted to their kam types. A percent may be written 0.12 or
-- 12%; both are the ratio 0.12.
typed AS (
  SELECT rowid AS seq, id, segment,
         CAST(annual_revenue AS REAL) AS annual_revenue,
         CASE WHEN revenue_growth LIKE '%\%' ESCAPE '\'
              THEN CAST(rtrim(revenue_growth, '%') AS REAL) / 100
              ELSE CAST(revenue_growth AS REAL) END AS revenue_growth,
         CASE WHEN market_share LIKE '%\%' ESCAPE '\'
              THEN CAST(rtrim(market_share, '%') AS REAL) / 100
              ELSE CAST(market_share AS REAL) END AS market_share,
         CASE WHEN gross_margin LIKE '%\%' ESCAPE '\'
              THEN CAST(rtrim(gross_margin, '%') AS REAL) / 100
              ELSE CAST(gross_margin AS REAL) END AS gross_margin,
         CAST(profit_contribution AS REAL) AS profit_contribution,
         innovation_partner = 'true' AS innovation_partner,
         early_adopter = 'true' AS early_adopter,
         CAST(prestige AS INTEGER) AS prestige,
         competitor_customer = 'true' AS competitor_customer,
         stage, stage_since,
         CAST(trust AS INTEGER) AS trust,
         CAST(exec_contacts AS INTEGER) AS exec_contacts,
         CAST(joint_projects AS INTEGER) AS joint_projects,
         CASE WHEN share_of_wallet LIKE '%\%' ESCAPE '\'
              THEN CAST(rtrim(share_of_wallet, '%') AS REAL) / 100
              ELSE CAST(share_of_wallet AS REAL) END AS share_of_wallet,
         NULLIF(last_review, '') AS last_review
  FROM account
),
-- The lets, and months_since(stage_since) as the brief defines it.
lets AS (
  SELECT t.*,
         (revenue_growth >= today.growth_floor OR market_share >= 0.15) AS high_growth,
         (profit_contribution >= 250000 AND gross_margin > 0.20) AS profitable,
         (innovation_partner OR early_adopter) AS strategic,
         today.months
           - (CAST(substr(stage_since, 1, 4) AS INTEGER) * 12
              + CAST(substr(stage_since, 6, 2) AS INTEGER))
           - (today.mday < CAST(substr(stage_since, 9, 2) AS INTEGER)) AS months_in_stage,
         CAST(today.jd - julianday(COALESCE(last_review, '2000-01-01')) AS INTEGER)
           AS days_since_review
  FROM typed AS t, today
),
scored AS (
  SELECT l.*,
         25 * high_growth + 15 * innovation_partner + 10 * early_adopter
           + 15 * (prestige >= 4) + 10 * competitor_customer + 25 * profitable AS fit
  FROM lets AS l
),
selected AS (
  SELECT s.*, (fit >= 60 OR (profitable AND strategic)) AS key_account
  FROM scored AS s
),
-- First listed transition that holds; `any` first, never from the final stage.
moved AS (
  SELECT x.*,
         CASE
           WHEN stage = 'uncoupling' THEN 'uncoupling'
           WHEN NOT profitable AND months_in_stage >= 12 THEN 'uncoupling'
           WHEN stage = 'pre_kam' AND key_account AND trust >= 2 THEN 'early_kam'
           WHEN stage = 'early_kam' AND months_in_stage >= 6 AND exec_contacts >= 3
             THEN 'mid_kam'
           WHEN stage = 'mid_kam' AND trust >= 4 AND joint_projects >= 2
                AND share_of_wallet >= 0.50 THEN 'partnership'
           WHEN stage = 'partnership' AND joint_projects >= 5 AND innovation_partner
             THEN 'synergistic'
           ELSE stage
         END AS kam_stage
  FROM selected AS x
),
-- Position in `order`; the final stage has none, so every >= with it is false.
ranked AS (
  SELECT m.*,
         CASE kam_stage WHEN 'pre_kam' THEN 0 WHEN 'early_kam' THEN 1
           WHEN 'mid_kam' THEN 2 WHEN 'partnership' THEN 3 WHEN 'synergistic' THEN 4
         END AS stage_rank
  FROM moved AS m
),
total AS (
  SELECT SUM(CAST(annual_revenue AS REAL)) AS revenue FROM account
)
SELECT
  CASE WHEN id GLOB '*[,"' || char(10) || char(13) || ']*'
       THEN '"' || replace(id, '"', '""') || '"' ELSE id END AS id,
  printf('%.15g', fit) AS fit,
  CASE WHEN key_account THEN 'true' ELSE 'false' END AS key_account,
  CASE WHEN key_account AND fit >= 85 THEN 'platinum'
       WHEN key_account THEN 'gold'
       WHEN high_growth THEN 'silver'
       ELSE 'standard' END AS service_tier,
  kam_stage,
  substr(
    CASE WHEN stage_rank >= 1 THEN ';dedicated_manager' ELSE '' END
    || CASE WHEN stage_rank >= 2 THEN ';multifunctional_team' ELSE '' END
    || CASE WHEN stage_rank >= 1 THEN ';priority_support' ELSE '' END
    || CASE WHEN stage_rank >= 3 AND profitable THEN ';custom_pricing' ELSE '' END
    || CASE WHEN kam_stage = 'synergistic' THEN ';integrated_systems' ELSE '' END,
    2) AS entitlements,
  CASE WHEN stage_rank >= 1 THEN '4' ELSE '' END AS "priority_support.sla_hours",
  CASE WHEN stage_rank >= 3 AND profitable THEN '0.12' ELSE '' END AS "custom_pricing.max_discount",
  substr(
    CASE WHEN r.annual_revenue / total.revenue > 0.20 THEN ';dependence_risk' ELSE '' END
    || CASE WHEN segment = 'smb' AND days_since_review > 365
            THEN ';neglected_small' ELSE '' END,
    2) AS flags
FROM ranked AS r, total
ORDER BY seq;
