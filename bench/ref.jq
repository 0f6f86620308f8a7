# bench/ref.jq: bench/bench.kam written in jq, a comparison for the benchmark.
#
#   jq -n -r -f bench/ref.jq --arg as_of 2026-06-30 [--argjson growth_floor 0.10] \
#      accounts.jsonl > out.csv
#
# Reads the JSON Lines that `bench/gen.c --format jsonl` writes (percents as
# ratios, a missing last_review as null) and prints the same CSV as
# `kam run bench/bench.kam ... --format csv` and bench/handwritten.c.
# total(annual_revenue) needs every record before the first line can be
# printed, so the records are slurped: jq has no way to read a file twice.

($ARGS.named.growth_floor // 0.10) as $growth_floor

# Days since 1970-01-01 of "YYYY-MM-DD" (H. Hinnant's days_from_civil), and
# the parts months_since needs; hand-rolled because strptime/mktime are slow.
| def ymd: split("-") | map(tonumber);
  def days:
    ymd as [$y0, $m, $d]
    | ($y0 - (if $m <= 2 then 1 else 0 end)) as $y
    | ($y / 400 | floor) as $era
    | ($y - $era * 400) as $yoe
    | (((153 * ($m + (if $m > 2 then -3 else 9 end)) + 2) / 5 | floor) + $d - 1) as $doy
    | ($yoe * 365 + ($yoe / 4 | floor) - ($yoe / 100 | floor) + $doy) as $doe
    | $era * 146097 + $doe - 719468;
  def months_since($today):
    ymd as [$y, $m, $d]
    | ($today[0] * 12 + $today[1]) - ($y * 12 + $m)
      - (if $today[2] < $d then 1 else 0 end);
  def csv_field:
    if contains(",") or contains("\"") or contains("\n") or contains("\r")
    then "\"" + gsub("\""; "\"\"") + "\"" else . end;

  ($ARGS.named.as_of | ymd) as $today
| ($ARGS.named.as_of | days) as $today_days
| ("2000-01-01" | days) as $epoch_review
# Position in `order`; the final stage has none, so every >= with it is false.
| {"pre_kam": 0, "early_kam": 1, "mid_kam": 2, "partnership": 3, "synergistic": 4}
  as $order

| [inputs] as $rows
| ($rows | map(.annual_revenue) | add) as $total
| "id,fit,key_account,service_tier,kam_stage,entitlements,priority_support.sla_hours,custom_pricing.max_discount,flags",
  ($rows[]
   | (.revenue_growth >= $growth_floor or .market_share >= 0.15) as $high_growth
   | (.profit_contribution >= 250000 and .gross_margin > 0.20) as $profitable
   | (.innovation_partner or .early_adopter) as $strategic
   | ((if $high_growth then 25 else 0 end)
      + (if .innovation_partner then 15 else 0 end)
      + (if .early_adopter then 10 else 0 end)
      + (if .prestige >= 4 then 15 else 0 end)
      + (if .competitor_customer then 10 else 0 end)
      + (if $profitable then 25 else 0 end)) as $fit
   | ($fit >= 60 or ($profitable and $strategic)) as $key
   | (if $key and $fit >= 85 then "platinum"
      elif $key then "gold"
      elif $high_growth then "silver"
      else "standard" end) as $tier
   | (.stage_since | months_since($today)) as $months
   # First listed transition that holds; `any` first, never from the final stage.
   | (if .stage == "uncoupling" then "uncoupling"
      elif ($profitable | not) and $months >= 12 then "uncoupling"
      elif .stage == "pre_kam" and $key and .trust >= 2 then "early_kam"
      elif .stage == "early_kam" and $months >= 6 and .exec_contacts >= 3 then "mid_kam"
      elif .stage == "mid_kam" and .trust >= 4 and .joint_projects >= 2
           and .share_of_wallet >= 0.50 then "partnership"
      elif .stage == "partnership" and .joint_projects >= 5 and .innovation_partner
           then "synergistic"
      else .stage end) as $stage
   | ($order[$stage] // -1000) as $rank
   # ;-joined by concatenation: jq 1.6's join is several times slower.
   | ((if $rank >= 1 then ";dedicated_manager" else "" end)
      + (if $rank >= 2 then ";multifunctional_team" else "" end)
      + (if $rank >= 1 then ";priority_support" else "" end)
      + (if $rank >= 3 and $profitable then ";custom_pricing" else "" end)
      + (if $stage == "synergistic" then ";integrated_systems" else "" end)
      | ltrimstr(";")) as $entitlements
   | (if $rank >= 1 then "4" else "" end) as $sla_hours
   | (if $rank >= 3 and $profitable then "0.12" else "" end) as $max_discount
   | ((if .annual_revenue / $total > 0.20 then ";dependence_risk" else "" end)
      + (if .segment == "smb"
            and $today_days - (if .last_review == null then $epoch_review
                               else (.last_review | days) end) > 365
         then ";neglected_small" else "" end)
      | ltrimstr(";")) as $flags
   | (.id | csv_field) + "," + ($fit | tostring) + "," + ($key | tostring) + ","
     + $tier + "," + $stage + "," + $entitlements + "," + $sla_hours + ","
     + $max_discount + "," + $flags)
