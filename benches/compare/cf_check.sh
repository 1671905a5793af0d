#!/usr/bin/env bash
# CF-compliance check of Squall's NetCDF outputs with the two CF checkers:
#   - cfchecker 4.1.0 (NCAS CMS, the CF community's checker; needs the udunits2 C library: apt-get install
#     libudunits2-0) and
#   - IOOS compliance-checker 6.1.0 (`--test=cf:1.8`).
# No network: cfchecker is given the CF standard-name table that compliance-checker ships (version 93) and empty
# area-type and region tables (Squall files use neither area_type nor region, so nothing is checked against them).
#
# Outputs checked: `squall nowcast` on three real composite sequences (BoM: Albers equal-area, FMI: polar
# stereographic, RMI: Lambert conformal conic) and `squall grid` on a real S-band volume (azimuthal equidistant).
#
# Usage (from the repository root, after `cargo build --release`):
#   PEERS=/work/peers-venv bash benches/compare/cf_check.sh
set -euo pipefail
PEERS=${PEERS:-/work/peers-venv}
SQUALL=${SQUALL:-target/release/squall}
DATA=${DATA:-../shared/data}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
TABLE=$("$PEERS/bin/python" -c 'import compliance_checker, os; print(os.path.join(os.path.dirname(compliance_checker.__file__), "data", "cf-standard-name-table.xml"))')
for k in area region; do
  printf '<?xml version="1.0"?>\n<table><version_number>empty</version_number><date>none</date></table>\n' > "$OUT/empty_$k.xml"
done

three_frames() { ls -d "$1"/* | sort | tail -n 3; }
"$SQUALL" nowcast $(three_frames "$DATA/nowcast/radar/bom/prcp-cscn/2/2018/06/16") --members 3 --leadtimes 3 \
  --out "$OUT/nowcast_bom.nc" > /dev/null
"$SQUALL" nowcast $(three_frames "$DATA/nowcast/radar/fmi/pgm/20160928") --members 3 --leadtimes 3 \
  --out "$OUT/nowcast_fmi.nc" > /dev/null
"$SQUALL" nowcast $(three_frames "$DATA/nowcast/radar/rmi/radqpe/20210704") --members 3 --leadtimes 3 \
  --out "$OUT/nowcast_rmi.nc" > /dev/null
"$SQUALL" grid "$DATA/radar/Z_RADR_I_KLBB0_20160601150025_O_DOR_SAD_CAP_FMT_fromNEXRAD.bin.bz2" --size 101 \
  --levels 21 --out "$OUT/grid_klbb.nc" > /dev/null

status=0
for f in "$OUT"/*.nc; do
  name=$(basename "$f")
  cf=$("$PEERS/bin/cfchecks" -s "$TABLE" -a "$OUT/empty_area.xml" -r "$OUT/empty_region.xml" "$f" 2>&1 || true)
  errors=$(grep -oP 'ERRORS detected: \K[0-9]+' <<< "$cf" || echo "?")
  warnings=$(grep -oP 'WARNINGS given: \K[0-9]+' <<< "$cf" || echo "?")
  ioos=$("$PEERS/bin/compliance-checker" --test=cf:1.8 "$f" 2>&1 || true)
  issues=$(grep -oP 'has \K[0-9]+(?= potential issue)' <<< "$ioos" || echo 0)
  echo "$name: cfchecker $errors errors, $warnings warnings; compliance-checker cf:1.8 $issues potential issues"
  grep -E '^(ERROR|WARN):' <<< "$cf" | sort | uniq -c || true
  sed -n '/Corrective Actions/,$p' <<< "$ioos" | grep -E '^\*' || true
  [[ "$errors" == 0 ]] || status=1
done
exit $status
