package optim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// GraphKey names what an update graph of o bakes in: the method, every
// hyperparameter but the learning rate (a variable of the graph, set by
// ResetState) and the schedule. Two optimizers with equal keys compile to
// the same update graph, so a run may reuse a step compiled for another
// (pkg/train's Cache).
func (o *Optimizer) GraphKey() string {
	keys := make([]string, 0, len(o.params))
	for k := range o.params {
		if k != "lr" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(o.method)
	for _, k := range keys {
		fmt.Fprintf(&b, ",%s=%v", k, o.params[k])
	}
	fmt.Fprintf(&b, ";schedule=%+v", o.schedule)
	return b.String()
}

// ResetState puts o's state in ctx's store back where a fresh run starts:
// the step count 0, the learning rate o's, NAdam's running product of μ 1,
// every other variable under StateScope (moments, buffers, accumulators,
// of any method) zero. A step compiled for an optimizer with o's GraphKey
// then runs as a fresh one would, bit for bit.
func (o *Optimizer) ResetState(ctx *model.Scope) error {
	prefix := StateScope + "/"
	for v := range ctx.Store().IterVariables() {
		if !strings.HasPrefix(v.Path(), prefix) {
			continue
		}
		var t *tensors.Tensor
		switch v.Path() {
		case StateScope + "/lr":
			t = tensors.FromValue(o.LR())
		case nadamScope + "/" + muProductName:
			t = filled(v, 1)
		default:
			t = filled(v, 0)
		}
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("optim: resetting %s: %w", v.Path(), err)
		}
	}
	return nil
}

// filled returns a tensor of v's shape with every element x.
func filled(v *model.Variable, x float64) *tensors.Tensor {
	t := tensors.FromShape(v.Shape())
	if x == 0 {
		return t // FromShape is zero-filled
	}
	t.MustMutableFlatData(func(flat any) {
		switch f := flat.(type) {
		case []float32:
			for i := range f {
				f[i] = float32(x)
			}
		case []float64:
			for i := range f {
				f[i] = x
			}
		default:
			panic(fmt.Sprintf("optim: state %s of dtype %s cannot be filled with %v", v.Path(), v.Shape().DType, x))
		}
	})
	return t
}
