#!/bin/sh
# exec of a static program over 100 MiB from the root filesystem (issue 4,
# point 4): the loader streams it page by page; the program checks marker
# bytes at the start, middle and end of its 100 MiB .data and exits 42.
# /tests/_big is only in the test image (make test-system), not make run's.
big="$TESTDIR/_big"
[ -e "$big" ] || { echo "bigexec: no $big in this image" >&2; exit 1; }
size=$(stat -c %s "$big")
[ "$size" -gt 104857600 ] || { echo "bigexec: $big is only $size bytes" >&2; exit 1; }
"$big"
st=$?
[ "$st" = 42 ] || { echo "bigexec: $big exited with $st, wanted 42" >&2; exit 1; }
echo "bigexec: ok ($size bytes)" >&2
