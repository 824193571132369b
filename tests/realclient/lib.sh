# Shared helpers for the real-client tests: boot the emulator on a free port, check outputs.
# Requires: EMULATOR (the binary). Sets: EMU_PORT, EMU_URL. The emulator stops when the shell exits.

fail_count=0
pass_count=0

start_emulator() {
  local out
  out=$(mktemp)
  "$EMULATOR" --port 0 --db :memory: --log-level warn "$@" >"$out" 2>"$out.err" &
  EMU_PID=$!
  trap 'kill $EMU_PID 2>/dev/null; wait $EMU_PID 2>/dev/null' EXIT
  for _ in $(seq 1 100); do
    if grep -q "listening on" "$out"; then break; fi
    sleep 0.05
  done
  EMU_URL=$(sed -n 's/^cloud-tasks-emulator listening on //p' "$out")
  EMU_PORT=${EMU_URL##*:}
  if [ -z "$EMU_PORT" ]; then
    echo "emulator did not start:"; cat "$out.err"; exit 1
  fi
}

check() {  # check NAME ACTUAL EXPECTED
  if [ "$2" == "$3" ]; then
    pass_count=$((pass_count + 1))
  else
    fail_count=$((fail_count + 1))
    printf 'FAIL %s\n--- expected\n%s\n--- actual\n%s\n' "$1" "$3" "$2"
  fi
}

check_match() {  # check_match NAME ACTUAL REGEX
  if [[ "$2" =~ $3 ]]; then
    pass_count=$((pass_count + 1))
  else
    fail_count=$((fail_count + 1))
    printf 'FAIL %s\n--- expected to match\n%s\n--- actual\n%s\n' "$1" "$3" "$2"
  fi
}

finish() {
  echo "$pass_count passed, $fail_count failed"
  [ "$fail_count" -eq 0 ]
}
