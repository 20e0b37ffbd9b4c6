// bgdlab's patch (third_party/compute-vector-logistic.patch).

//go:build !(amd64 && goexperiment.simd)

package ops

// logisticVector is the SIMD build's vector Logistic; without SIMD it
// computes nothing and execLogisticGeneric computes every element.
func logisticVector[T float32 | float64](inputs, outputs []T) int { return 0 }
