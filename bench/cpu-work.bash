# CPU work per handshake, counted rather than timed (sourced by bench/run
# when BENCH_CPU_WORK is set).
#
# On a shared machine the handshake rates of two runs of the same program
# differ by a fifth or more, so a 5 % difference between the bindings and
# raw C cannot be told from the noise.  The instructions a handshake
# executes do not depend on the machine's load: callgrind counts them in
# both processes (client and server), for COUNT_LOW and COUNT_HIGH
# handshakes, and the difference divided by the difference of the counts is
# the work of one handshake, with start-up and warm-up taken out.  The span
# holds whole cycles of the forced collections the bindings make every 512
# sessions (lib/tls/session_memory.cc), so their cost is in the figure.
#
# Instructions are not time: cache misses and page faults are not in them.
# The timed rows of the main table remain the measure; these rows say how
# much of a gap there is work the bindings add.  Callgrind also simulates
# the caches (--cache-sim=yes, a first level and a last level of the
# host's sizes), which the second table shows per handshake: with no
# hardware counters in a virtual machine that is the nearest look at what
# a handshake costs besides its instructions.
#
# Uses from bench/run: pin (a command prefix), raw, scheme, old_scheme,
# old_reason, work.

cpu_work_low=10
cpu_work_high=1034     # 1024 more: two forced collections in each process

# Print what callgrind counted in all the processes of one run of the
# command given, whose output goes to FILE ($1): instructions, then
# first-level instruction and data cache misses, then last-level misses.
counted_events() {
  local output=$1 out_dir
  shift
  out_dir=$(mktemp -d "$work/callgrind.XXXXXX")
  # raw, scheme and old_scheme start their program behind "${pin[@]}";
  # bash scopes variables dynamically, so this local pin puts callgrind
  # there for the command run below.
  local pin=(valgrind --tool=callgrind --cache-sim=yes --trace-children=yes
             "--callgrind-out-file=$out_dir/%p.out")
  # Callgrind with its cache simulation is some fifty times slower than the
  # program alone, and the runs share the cores: the peers' backstop
  # timeout stretches alike.
  BENCH_PEER_TIMEOUT=7200 "$@" >"$output" 2>"$out_dir/stderr" || {
    echo "bench: cpu-work: $* failed:" >&2
    cat "$out_dir/stderr" >&2
    return 1
  }
  # Events are summed by name: "events:" says which column is which.
  awk '/^events:/ { for (i = 2; i <= NF; i++) name[i] = $i }
       /^summary:/ { for (i = 2; i <= NF; i++) total[name[i]] += $i }
       END { printf "%.0f %.0f %.0f %.0f\n", total["Ir"], total["I1mr"],
                    total["D1mr"] + total["D1mw"],
                    total["ILmr"] + total["DLmr"] + total["DLmw"] }' "$out_dir"/*.out
}

# Instructions and misses of one handshake of CASE (a name) run by the
# function BINDINGS with ARGS before and after the count; printed as
# "CASE INSTRUCTIONS I1-MISSES D1-MISSES LL-MISSES".
handshake_instructions() {
  local name=$1 bindings=$2 kind=$3 low high
  shift 3
  low=$(counted_events /dev/null "$bindings" $kind "$cpu_work_low" "$@") || return 1
  high=$(counted_events /dev/null "$bindings" $kind "$cpu_work_high" "$@") || return 1
  awk -v name="$name" -v low="$low" -v high="$high" -v n=$((cpu_work_high - cpu_work_low)) \
    'BEGIN { split(low, l, " "); split(high, h, " "); printf "%s", name
             for (i = 1; i <= 4; i++) printf " %.0f", (h[i] - l[i]) / n
             printf "\n" }'
}

raw_priorities_once() { RAW_TLS_PRIORITIES_ONCE=1 raw "$@"; }

cpu_work_table() {
  command -v valgrind >/dev/null || {
    echo
    echo "cpu work: skipped (valgrind is not installed: apt-get install valgrind)"
    return 0
  }
  echo "cpu work: counting instructions and cache misses under callgrind (some twenty minutes)..." >&2
  local counts=$work/cpu-work x509=("$work/key.pem" "$work/cert.pem")
  : >"$counts"
  # Counts do not depend on the load: the runs go side by side.
  {
    handshake_instructions raw-anon raw "handshakes anon" &
    handshake_instructions raw-once-anon raw_priorities_once "handshakes anon" &
    handshake_instructions ours-anon scheme handshakes-anon &
    [ -n "$old_reason" ] || handshake_instructions old-anon old_scheme handshakes-anon &
    wait
    handshake_instructions raw-x509 raw "handshakes x509" "${x509[@]}" &
    handshake_instructions raw-once-x509 raw_priorities_once "handshakes x509" "${x509[@]}" &
    handshake_instructions ours-x509 scheme handshakes-x509 "${x509[@]}" &
    [ -n "$old_reason" ] || handshake_instructions old-x509 old_scheme handshakes-x509 "${x509[@]}" &
    wait
  } >>"$counts"
  awk -v low="$cpu_work_low" -v high="$cpu_work_high" '
    { count[$1] = $2; i1[$1] = $3; d1[$1] = $4; ll[$1] = $5 }
    function row(label, kind,   ours, raw, once, old) {
      ours = count["ours-" kind]; raw = count["raw-" kind]; once = count["raw-once-" kind]
      if (ours == "" || raw == "" || once == "") { printf "  %-32s failed\n", label; return }
      old = ("old-" kind) in count ? sprintf(" %8.3f", raw / count["old-" kind]) : sprintf(" %8s", "n/a")
      printf "  %-32s %9.3f %9.3f %8.3f %8.3f%s\n", label, ours / 1e6, raw / 1e6,
             raw / ours, once / ours, old
    }
    function misses(label, kind,   o, r) {
      o = "ours-" kind; r = "raw-once-" kind
      if (count[o] == "" || count[r] == "") { printf "  %-32s failed\n", label; return }
      printf "  %-32s %8d %8d %8d %8d %8d %8d\n", label, i1[o], i1[r], d1[o], d1[r], ll[o], ll[r]
    }
    END {
      printf "\ncpu work: instructions of one handshake, both processes, counted by\n"
      printf "callgrind from %d to %d handshakes (forced collections included)\n", low, high
      printf "ratio = raw C / case, as the rates are: above 1, fewer instructions than C;\n"
      printf "once = the raw C loop parsing its priority string once, as the bindings do\n"
      printf "  %-32s %9s %9s %8s %8s %8s\n", "case", "ours Mi", "raw C Mi", "ratio", "once", "old"
      row("anonymous handshakes", "anon")
      row("X.509 (ECDSA) handshakes", "x509")
      printf "\ncache misses of one handshake, both processes, as callgrind simulates\n"
      printf "them: first-level instruction (I1) and data (D1), last level (LL);\n"
      printf "raw = the raw C loop parsing its priority string once\n"
      printf "  %-32s %8s %8s %8s %8s %8s %8s\n", "case", "ours I1", "raw I1",
             "ours D1", "raw D1", "ours LL", "raw LL"
      misses("anonymous handshakes", "anon")
      misses("X.509 (ECDSA) handshakes", "x509")
    }' "$counts"
}
