#!/usr/bin/env bash
# Media fixity throughput (rule V06) against sha256sum on the same files: writes N files of
# SIZE MiB of random bytes and a minimal bundle indexing them, then times `sha256sum` over
# the files and `trailcheck audit --media-root` with an empty hash cache (every file hashed)
# and again with the warm cache (no file hashed).
#
#   benches/fixity.sh [N=8] [SIZE_MIB=256]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-8}
size=${2:-256}
work=${TMPDIR:-/tmp}/trailcheck-fixity
cargo build --release --locked -q
bin=$PWD/target/release/trailcheck
rm -rf "$work" && mkdir -p "$work/root/media" "$work/data"
echo "案号,执法机关,执法类别,启动方式,当事人,启动日期" > "$work/data/案件登记.csv"
echo "测〔2024〕1号,测试局,行政检查,依职权,某公司,2024-03-01" >> "$work/data/案件登记.csv"
echo "文件编号,案号,开始时间,结束时间,入库时间,存储位置,文件大小,哈希值" > "$work/data/音像记录索引.csv"
for i in $(seq 1 "$n"); do
  f="$work/root/media/$i.mp4"
  head -c "$((size * 1024 * 1024))" /dev/urandom > "$f"
  h=$(sha256sum "$f" | cut -d' ' -f1)
  echo "MV-$i,测〔2024〕1号,2024-03-02 09:00,2024-03-02 10:00,2024-03-02 11:00,media/$i.mp4,$((size * 1024 * 1024)),$h" >> "$work/data/音像记录索引.csv"
done
total=$((n * size))
t() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; echo "$(date +%s.%N) - $s" | bc; }
sync
a=$(t sha256sum "$work"/root/media/*.mp4)
b=$(t "$bin" audit "$work/data" --profile district-2018 --as-of 2024-12-31 --media-root "$work/root" --cache-dir "$work/cache" --out "$work/out" --quiet)
c=$(t "$bin" audit "$work/data" --profile district-2018 --as-of 2024-12-31 --media-root "$work/root" --cache-dir "$work/cache" --out "$work/out" --quiet)
printf 'files: %d x %d MiB = %d MiB (in page cache)\n' "$n" "$size" "$total"
printf 'sha256sum (one core)          %6.2f s  %7.0f MiB/s\n' "$a" "$(echo "$total / $a" | bc -l)"
printf 'trailcheck, cold hash cache   %6.2f s  %7.0f MiB/s\n' "$b" "$(echo "$total / $b" | bc -l)"
printf 'trailcheck, warm hash cache   %6.2f s\n' "$c"
grep 音像文件核验 "$work/out/run.log"
