# procs.sh: PROCS=N more processes (sleep, in the host's namespaces) for the rest of the run,
# as on a host running many guests: `down` looks at every process for a zone's users. Sourced
# by bench/zones.sh and bench/zones-scale.sh (bash); `procs_stop` kills them (their EXIT trap).
extra=()
procs_stop() { [ ${#extra[@]} = 0 ] || kill "${extra[@]}" 2>/dev/null || true; }
for _ in $(seq 1 "${PROCS:-0}"); do
  sleep 3600 &
  extra+=($!)
done
