# kam check --format sarif is SARIF 2.1.0: version, schema, a run with the
# tool's rules (stable ids, descriptions), results with a rule id that is
# one of the rules, a level, a message and a region with start and end
# line and column; --format github gives one annotation per diagnostic.
set -u
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
"$KAM" check --format sarif "$ROOT/examples/mistakes.kam" > "$t/s.json"
[ $? -eq 1 ] || { echo "expected exit 1 for a policy with errors"; exit 1; }
jq -e '.version == "2.1.0" and (."$schema" | test("sarif-2.1.0"))' "$t/s.json" >/dev/null || { echo "not SARIF 2.1.0"; exit 1; }
jq -e '.runs | length == 1' "$t/s.json" >/dev/null || exit 1
jq -e '.runs[0].tool.driver.name == "kam" and (.runs[0].tool.driver.rules | length > 30)' "$t/s.json" >/dev/null || { echo "no rules"; exit 1; }
jq -e '.runs[0].tool.driver.rules | all((.id | type) == "string" and (.shortDescription.text | length) > 0)' "$t/s.json" >/dev/null || { echo "a rule lacks an id or description"; exit 1; }
n=$(jq '.runs[0].results | length' "$t/s.json")
[ "$n" -eq 6 ] || { echo "expected 6 results, got $n"; exit 1; }
jq -e '[.runs[0].tool.driver.rules[].id] as $ids | all(.runs[0].results[]; .ruleId as $r | $ids | index($r))' "$t/s.json" >/dev/null || { echo "a result's ruleId is not a rule"; exit 1; }
jq -e 'all(.runs[0].results[]; (.level | IN("error","warning","note")) and (.message.text | length > 0) and
        (.locations[0].physicalLocation.region | .startLine >= 1 and .startColumn >= 1 and .endLine >= .startLine and .endColumn >= 1) and
        (.locations[0].physicalLocation.artifactLocation.uri | endswith("mistakes.kam")))' "$t/s.json" >/dev/null || { echo "a result is malformed"; exit 1; }
jq -e '.runs[0].results[0].locations[0].physicalLocation.region == {"startLine":16,"startColumn":37,"endLine":16,"endColumn":48}' "$t/s.json" >/dev/null || { echo "the first region is wrong"; jq '.runs[0].results[0]' "$t/s.json"; exit 1; }
"$KAM" check --format sarif "$ROOT/examples/key_accounts.kam" | jq -e '.runs[0].results == []' >/dev/null || { echo "a clean policy should give no results"; exit 1; }
g=$("$KAM" check --format github "$ROOT/examples/mistakes.kam" | grep -c '^::error file=.*mistakes.kam,line=[0-9]*,col=[0-9]*,endLine=[0-9]*,endColumn=[0-9]*,title=[a-z-]*::')
[ "$g" -eq 6 ] || { echo "expected 6 GitHub annotations, got $g"; exit 1; }
exit 0
