# Sourced by every bgdlab script that builds or runs Go code (setup, test,
# report, notebook). GoMLX's pure-Go backend compiles its AVX2/AVX-512 matrix
# products only with GOEXPERIMENT=simd (Go 1.26, amd64): about 8× faster
# matrix products on 2 cores. A plain `go build` without it still works,
# just slower; `bgdlab backend` says which one a binary has.
if [ "$(go env GOARCH 2>/dev/null)" = amd64 ]; then
  case ",${GOEXPERIMENT:-}," in
    *,simd,*) ;;
    *) export GOEXPERIMENT="${GOEXPERIMENT:+$GOEXPERIMENT,}simd" ;;
  esac
fi
# Go 1.26's async preemption restores the AVX-512 registers of a SIMD build
# without VZEROUPPER: on Intel CPUs scalar float code after it pays the
# AVX→SSE penalty (pkg/backend NoAsyncPreempt). Off for every process the
# scripts start (go test, the GoNB kernel's cells, bgdlab).
case ",${GODEBUG:-}," in
  *,asyncpreemptoff=1,*) ;;
  *) export GODEBUG="${GODEBUG:+$GODEBUG,}asyncpreemptoff=1" ;;
esac
# XLA's CPU plugin mallocs each execution's buffers afresh; glibc maps large
# ones anew every time, and with transparent huge pages on "madvise" they
# fault in 4 KiB at a time (the CNN's XLA step: half its time). glibc's malloc
# asks for huge pages with this tunable (pkg/backend HugePageMalloc), unless
# GLIBC_TUNABLES already says otherwise.
case ":${GLIBC_TUNABLES:-}" in
  *:glibc.malloc.hugetlb=*) ;;
  *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1" ;;
esac
