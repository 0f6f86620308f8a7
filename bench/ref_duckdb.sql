-- bench/ref_duckdb.sql: bench/bench.kam (and bench/bench_avg.kam) written in
-- DuckDB's SQL, the engine an analyst would reach for; bench/run.sh times it
-- through build/kam-duckdb (a small client over libduckdb.so, one thread).
--
--   build/kam-duckdb -c "SET VARIABLE csv = 'accounts.csv'" \
--     -c "CREATE TABLE param AS SELECT DATE '2026-06-30' AS as_of, 0.10 AS growth_floor,
--         false AS with_avg" \
--     bench/ref_duckdb.sql > out.csv
--
-- Reads the CSV that bench/gen.c writes (every column as text, so that the
-- conversions are this file's, as in bench/ref.sql) and prints the same
-- CSV as `kam run bench/bench.kam ... --format csv`; with with_avg, that of
-- bench/bench_avg.kam (one more flag, below_avg_profit). The client prints
-- NULL as an empty field and quotes a text holding a comma or a quote, as
-- kam does; an empty text it would quote, hence the NULLIFs below.

CREATE TEMP TABLE account AS
  SELECT row_number() OVER () AS seq, *
  FROM read_csv(getvariable('csv'), header = true, all_varchar = true, delim = ',',
                quote = '"', escape = '"');

WITH
today AS (
  SELECT as_of,
         year(as_of) * 12 + month(as_of) AS months,
         day(as_of) AS mday,
         growth_floor, with_avg
  FROM param LIMIT 1
),
-- Fields converted to their kam types. A percent may be written 0.12 or
-- 12%; both are the ratio 0.12.
typed AS (
  SELECT seq, id, segment,
         CAST(annual_revenue AS DOUBLE) AS annual_revenue,
         CASE WHEN revenue_growth LIKE '%\%' ESCAPE '\'
              THEN CAST(rtrim(revenue_growth, '%') AS DOUBLE) / 100
              ELSE CAST(revenue_growth AS DOUBLE) END AS revenue_growth,
         CASE WHEN market_share LIKE '%\%' ESCAPE '\'
              THEN CAST(rtrim(market_share, '%') AS DOUBLE) / 100
              ELSE CAST(market_share AS DOUBLE) END AS market_share,
         CASE WHEN gross_margin LIKE '%\%' ESCAPE '\'
              THEN CAST(rtrim(gross_margin, '%') AS DOUBLE) / 100
              ELSE CAST(gross_margin AS DOUBLE) END AS gross_margin,
         CAST(profit_contribution AS DOUBLE) AS profit_contribution,
         innovation_partner = 'true' AS innovation_partner,
         early_adopter = 'true' AS early_adopter,
         CAST(prestige AS INTEGER) AS prestige,
         competitor_customer = 'true' AS competitor_customer,
         stage, CAST(stage_since AS DATE) AS stage_since,
         CAST(trust AS INTEGER) AS trust,
         CAST(exec_contacts AS INTEGER) AS exec_contacts,
         CAST(joint_projects AS INTEGER) AS joint_projects,
         CASE WHEN share_of_wallet LIKE '%\%' ESCAPE '\'
              THEN CAST(rtrim(share_of_wallet, '%') AS DOUBLE) / 100
              ELSE CAST(share_of_wallet AS DOUBLE) END AS share_of_wallet,
         CAST(NULLIF(last_review, '') AS DATE) AS last_review
  FROM account
),
-- The lets, and months_since(stage_since) as the brief defines it.
lets AS (
  SELECT t.*,
         (revenue_growth >= today.growth_floor OR market_share >= 0.15) AS high_growth,
         (profit_contribution >= 250000 AND gross_margin > 0.20) AS profitable,
         (innovation_partner OR early_adopter) AS strategic,
         today.months - (year(stage_since) * 12 + month(stage_since))
           - CASE WHEN today.mday < day(stage_since) THEN 1 ELSE 0 END AS months_in_stage,
         today.as_of - COALESCE(last_review, DATE '2000-01-01') AS days_since_review
  FROM typed AS t, today
),
scored AS (
  SELECT l.*,
         CASE WHEN high_growth THEN 25 ELSE 0 END + CASE WHEN innovation_partner THEN 15 ELSE 0 END
           + CASE WHEN early_adopter THEN 10 ELSE 0 END + CASE WHEN prestige >= 4 THEN 15 ELSE 0 END
           + CASE WHEN competitor_customer THEN 10 ELSE 0 END
           + CASE WHEN profitable THEN 25 ELSE 0 END AS fit
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
portfolio AS (
  SELECT SUM(annual_revenue) AS revenue, AVG(profit_contribution) AS avg_profit FROM typed
)
SELECT
  id,
  CAST(fit AS BIGINT) AS fit,
  CASE WHEN key_account THEN 'true' ELSE 'false' END AS key_account,
  CASE WHEN key_account AND fit >= 85 THEN 'platinum'
       WHEN key_account THEN 'gold'
       WHEN high_growth THEN 'silver'
       ELSE 'standard' END AS service_tier,
  kam_stage,
  NULLIF(substr(
    CASE WHEN stage_rank >= 1 THEN ';dedicated_manager' ELSE '' END
    || CASE WHEN stage_rank >= 2 THEN ';multifunctional_team' ELSE '' END
    || CASE WHEN stage_rank >= 1 THEN ';priority_support' ELSE '' END
    || CASE WHEN stage_rank >= 3 AND profitable THEN ';custom_pricing' ELSE '' END
    || CASE WHEN kam_stage = 'synergistic' THEN ';integrated_systems' ELSE '' END,
    2), '') AS entitlements,
  CASE WHEN stage_rank >= 1 THEN '4' END AS "priority_support.sla_hours",
  CASE WHEN stage_rank >= 3 AND profitable THEN '0.12' END AS "custom_pricing.max_discount",
  NULLIF(substr(
    CASE WHEN r.annual_revenue / portfolio.revenue > 0.20 THEN ';dependence_risk' ELSE '' END
    || CASE WHEN segment = 'smb' AND days_since_review > 365
            THEN ';neglected_small' ELSE '' END
    || CASE WHEN today.with_avg AND r.profit_contribution < portfolio.avg_profit
            THEN ';below_avg_profit' ELSE '' END,
    2), '') AS flags
FROM ranked AS r, portfolio, today
ORDER BY seq;
