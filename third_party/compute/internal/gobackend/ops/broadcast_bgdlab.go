// bgdlab's patch (third_party/compute-broadcast-runs.patch).

package ops

import "github.com/gomlx/compute/shapes"

// minBroadcastRun is the shortest run broadcastInRuns hands to the
// exact-shape loop; shorter runs keep the generic iterator.
const minBroadcastRun = 16

// broadcastInRuns (bgdlab's patch) computes a binary op whose operands
// differ in shape — one operand of the output's shape, the other with
// dimension 1 on a leading or on a trailing group of axes, such as a bias
// [1, O] against [B, O] or [O, 1, 1, 1] against [O, H, W, B] — as runs of
// fn's exact-shape loop, instead of one step of the generic broadcast
// iterator per element. Each output element is fn's same expression of the
// same two operands, so results are exactly the iterator's. It returns
// false, having written nothing, for any other broadcast or when the runs
// would be shorter than minBroadcastRun.
func broadcastInRuns[T, O any](lhs, rhs []T, out []O, lhsShape, rhsShape, outShape shapes.Shape,
	fn func(lhs, rhs []T, out []O, lhsShape, rhsShape, outShape shapes.Shape)) bool {
	n := len(out)
	if lhsShape.Rank() != outShape.Rank() || rhsShape.Rank() != outShape.Rank() {
		return false
	}
	full, small, smallShape, smallIsLHS := lhs, rhs, rhsShape, false
	switch {
	case len(lhs) == n && len(rhs) < n:
	case len(rhs) == n && len(lhs) < n:
		full, small, smallShape, smallIsLHS = rhs, lhs, lhsShape, true
	default:
		return false
	}
	leading, ok := broadcastPattern(smallShape.Dimensions, outShape.Dimensions)
	if !ok {
		return false
	}
	run := len(small) // leading: small repeats as a whole block
	if !leading {
		run = n / len(small) // trailing: each element of small repeats over a run
	}
	if run < minBroadcastRun {
		return false
	}
	sh, oh := shapes.Make(lhsShape.DType, run), shapes.Make(outShape.DType, run)
	call := func(f, s []T, o []O) {
		if smallIsLHS {
			fn(s, f, o, sh, sh, oh)
		} else {
			fn(f, s, o, sh, sh, oh)
		}
	}
	if leading {
		for start := 0; start < n; start += run {
			call(full[start:start+run], small, out[start:start+run])
		}
		return true
	}
	tmp := make([]T, run)
	for i, v := range small {
		for j := range tmp {
			tmp[j] = v
		}
		call(full[i*run:(i+1)*run], tmp, out[i*run:(i+1)*run])
	}
	return true
}

// broadcastPattern reports whether small (broadcast to out) has dimension 1
// only on a leading group of axes (leading = true) or only on a trailing
// group (leading = false), its other axes equal to out's. Axes of size 1 in
// out fit either group.
func broadcastPattern(small, out []int) (leading, ok bool) {
	firstBroadcast, lastBroadcast, firstFull, lastFull := -1, -1, -1, -1
	for axis, d := range out {
		switch {
		case d == 1:
		case small[axis] == 1:
			if firstBroadcast < 0 {
				firstBroadcast = axis
			}
			lastBroadcast = axis
		case small[axis] == d:
			if firstFull < 0 {
				firstFull = axis
			}
			lastFull = axis
		default:
			return false, false
		}
	}
	switch {
	case firstBroadcast < 0 || firstFull < 0:
		return false, false // nothing broadcast, or only a scalar-like operand: upstream's cases
	case lastBroadcast < firstFull:
		return true, true
	case lastFull < firstBroadcast:
		return false, true
	}
	return false, false
}
