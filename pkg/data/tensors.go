package data

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// Tensor returns a copy of v as a GoMLX tensor of dtype dt (Float32 or
// Float64) with the given dimensions.
func Tensor(v []float64, dt dtypes.DType, dims ...int) *tensors.Tensor {
	if dt == dtypes.Float32 {
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...)
	}
	return tensors.FromFlatDataAndDimensions(append([]float64(nil), v...), dims...)
}

// Tensors returns examples [lo, hi) as GoMLX tensors: features [n, D] in
// dtype dt, and targets [n, T] in dt (regression) or int32 labels [n]
// (classification).
func (d *Dataset) Tensors(dt dtypes.DType, lo, hi int) (x, y *tensors.Tensor) {
	n := hi - lo
	x = Tensor(d.X[lo*d.D:hi*d.D], dt, n, d.D)
	if d.Task == Regression {
		return x, Tensor(d.Y[lo*d.T:hi*d.T], dt, n, d.T)
	}
	l := make([]int32, n)
	for i, v := range d.Labels[lo:hi] {
		l[i] = int32(v)
	}
	return x, tensors.FromFlatDataAndDimensions(l, n)
}
