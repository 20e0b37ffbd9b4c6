package ops

// bgdlab: a fast path for Transpose, added by bgdlab's patch (see
// third_party/README.md in bgdlab). The generic kernel moves one element
// per TransposeIterator step. Here the permutation is first simplified —
// axes of size 1 dropped, operand axes that stay adjacent and in order in
// the output merged — and then the common cases are done in bulk: no-op
// (a copy), a 2-D or batched 2-D transpose (in cache-sized tiles), or a
// permutation that keeps the innermost axis innermost (copies of whole
// rows). Every element is copied, never computed, so the result is the
// generic kernel's exactly.

// transposeTile is the side of the square tiles of a 2-D transpose.
const transposeTile = 32

// transposeFast transposes src (operand dimensions dims) into dst, output
// axis i taking operand axis perm[i]. It reports false, having written
// nothing, when the permutation is not one of its cases.
func transposeFast[T any](src, dst []T, dims, perm []int) bool {
	md, mp := simplifyTranspose(dims, perm)
	switch {
	case len(mp) <= 1:
		copy(dst, src)
	case len(mp) == 2 && mp[0] == 1:
		transpose2D(src, dst, md[0], md[1])
	case len(mp) == 3 && mp[0] == 0 && mp[1] == 2:
		r, c := md[1], md[2]
		for b := range md[0] {
			transpose2D(src[b*r*c:(b+1)*r*c], dst[b*r*c:(b+1)*r*c], r, c)
		}
	case mp[len(mp)-1] == len(mp)-1:
		copyRows(src, dst, md, mp)
	default:
		return false
	}
	return true
}

// simplifyTranspose drops axes of size 1 and merges operand axes that stay
// adjacent and in order in the output; it returns the merged operand
// dimensions and the permutation over them.
func simplifyTranspose(dims, perm []int) (md, mp []int) {
	// Output order of the operand axes that are not of size 1.
	var order []int
	for _, a := range perm {
		if dims[a] != 1 {
			order = append(order, a)
		}
	}
	// Groups of consecutive operand axes, in output order.
	var groups [][2]int // first and last operand axis
	for _, a := range order {
		if n := len(groups); n > 0 && groups[n-1][1]+1 == a {
			groups[n-1][1] = a
			continue
		}
		groups = append(groups, [2]int{a, a})
	}
	// A group's first operand axis ranks the groups in operand order.
	rank := make([]int, len(groups))
	for i, g := range groups {
		for _, h := range groups {
			if h[0] < g[0] {
				rank[i]++
			}
		}
	}
	md = make([]int, len(groups))
	mp = make([]int, len(groups))
	for i, g := range groups {
		size := 1
		for a := g[0]; a <= g[1]; a++ {
			size *= dims[a]
		}
		md[rank[i]] = size
		mp[i] = rank[i]
	}
	return md, mp
}

// transpose2D writes the transpose of the r×c matrix src into dst (c×r).
func transpose2D[T any](src, dst []T, r, c int) {
	for i0 := 0; i0 < r; i0 += transposeTile {
		i1 := min(i0+transposeTile, r)
		for j0 := 0; j0 < c; j0 += transposeTile {
			j1 := min(j0+transposeTile, c)
			for i := i0; i < i1; i++ {
				row := src[i*c : i*c+c]
				for j := j0; j < j1; j++ {
					dst[j*r+i] = row[j]
				}
			}
		}
	}
}

// copyRows transposes when the innermost axis stays innermost: each run of
// md[last] elements is copied whole to its place.
func copyRows[T any](src, dst []T, md, mp []int) {
	rank := len(md)
	run := md[rank-1]
	// Output stride (in elements) of each operand axis.
	outStride := make([]int, rank)
	s := 1
	for i := rank - 1; i >= 0; i-- {
		outStride[mp[i]] = s
		s *= md[mp[i]]
	}
	idx := make([]int, rank-1)
	o := 0
	for start := 0; start < len(src); start += run {
		copy(dst[o:o+run], src[start:start+run])
		for a := rank - 2; a >= 0; a-- {
			idx[a]++
			o += outStride[a]
			if idx[a] < md[a] {
				break
			}
			idx[a] = 0
			o -= outStride[a] * md[a]
		}
	}
}
