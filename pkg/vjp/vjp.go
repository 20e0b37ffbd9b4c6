// Package vjp replaces some of GoMLX v0.26.0's reverse-mode rules
// (vector-Jacobian products) with ones that are cheaper or that run on every
// backend.
//
//   - Dot and DotGeneral: GoMLX's rules build the adjoint as
//     Mul(broadcast(v), broadcast(other)) followed by ReduceSum — for a full
//     batch of Fashion-MNIST through a 784→256 layer that is a 48 GB
//     intermediate and no GEMM. The rules here issue two matrix products
//     (DotGeneral), as every autodiff system does.
//   - Slice: GoMLX's rule pads the adjoint with Pad, an op the pure-Go
//     backend lacks, so graph.Slice could not be differentiated there. The
//     rule here scatters the adjoint back with Concatenate and Reshape.
//   - ConvGeneral: GoMLX's rule flips the kernel with Reverse, which the
//     pure-Go backend also lacks, and on XLA it is wrong for some strided
//     convolutions. The rule here computes both adjoints as patch products
//     (Gather, DotGeneral, ScatterSum), checked against finite differences.
//
// Importing this package (bgdlab's backend package does) installs the rules in
// graph.VJPRegistration, so graphs built with GoMLX layers (Dense, Einsum,
// Convolve, Slice) benefit as well.
package vjp

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

var (
	installOnce sync.Once
	// Original holds GoMLX's own rules for the node types replaced here, kept
	// for tests and comparisons.
	Original = map[graph.NodeType]graph.VJP{}
	// replacements are bgdlab's rules.
	replacements = map[graph.NodeType]graph.VJP{
		graph.NodeTypeDot:         single(dotVJP),
		graph.NodeTypeDotGeneral:  single(dotGeneralVJP),
		graph.NodeTypeSlice:       single(sliceVJP),
		graph.NodeTypeConvGeneral: single(convGeneralVJP),
	}
)

func init() { Install() }

// Install registers the replacement rules in graph.VJPRegistration. It is
// idempotent and called by this package's init.
func Install() {
	installOnce.Do(func() {
		for t, rule := range replacements {
			Original[t] = graph.VJPRegistration[t]
			graph.VJPRegistration[t] = rule
		}
	})
}

// UseOriginal switches back to GoMLX's own rules (useOriginal=true) or to the
// replacements (false). It is meant for tests and benchmarks that compare
// both; it must not be called while graphs are being built concurrently.
func UseOriginal(useOriginal bool) {
	Install()
	for t, rule := range replacements {
		if useOriginal {
			graph.VJPRegistration[t] = Original[t]
		} else {
			graph.VJPRegistration[t] = rule
		}
	}
}

func single(fn func(node, v *graph.Node) []*graph.Node) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, _ shapes.Shape) []*graph.Node {
		return fn(node, vjps[0])
	}
}

// inputsStruct returns the struct holding a node's parameters. GoMLX keeps
// them in unexported fields; reflection reads them without modifying
// anything.
func inputsStruct(node *graph.Node) reflect.Value {
	in := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !in.IsValid() || in.IsNil() {
		panic("vjp: graph.Node has no field inputs (GoMLX version mismatch; bgdlab pins v0.26.0)")
	}
	return in.Elem().Elem() // interface → *nodeInputsX → struct
}

// field returns the named parameter of a node, panicking with the GoMLX
// version hint when it is missing.
func field(node *graph.Node, name string) reflect.Value {
	f := inputsStruct(node).FieldByName(name)
	if !f.IsValid() {
		panic(fmt.Sprintf("vjp: %s inputs lack field %s (GoMLX version mismatch; bgdlab pins v0.26.0)", node.Type(), name))
	}
	return f
}

// intsField reads an []int parameter of a node.
func intsField(node *graph.Node, name string) []int {
	f := field(node, name)
	out := make([]int, f.Len())
	for i := range out {
		out[i] = int(f.Index(i).Int())
	}
	return out
}
