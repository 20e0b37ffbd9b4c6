package lab

import (
	"fmt"
	"math"

	"github.com/bgdlab/bgdlab/pkg/data"
)

// OnePerClass is the first example of each class of ds, in class order,
// with the class names: what a notebook shows to introduce a data set.
func OnePerClass(ds *data.Dataset) (pics [][]float64, names []string) {
	for c := range ds.Classes {
		for i, l := range ds.Labels {
			if l == c {
				pics, names = append(pics, ds.Row(i)), append(names, ds.ClassNames[c])
				break
			}
		}
	}
	return pics, names
}

// Boxed is the first n images of a localization data set (side×side
// pixels, targets x0, y0, x1, y1 in [0, 1]) with each true box outlined in
// dark pixels, and each box's corners as a caption.
func Boxed(ds *data.Dataset, n, side int) (pics [][]float64, caps []string) {
	for i := range min(n, ds.N) {
		pic := append([]float64(nil), ds.Row(i)...)
		b := ds.Y[4*i : 4*i+4]
		x0, y0 := int(b[0]*float64(side)), int(b[1]*float64(side))
		x1 := min(int(math.Ceil(b[2]*float64(side)))-1, side-1)
		y1 := min(int(math.Ceil(b[3]*float64(side)))-1, side-1)
		for x := x0; x <= x1; x++ {
			pic[y0*side+x], pic[y1*side+x] = -3, -3
		}
		for y := y0; y <= y1; y++ {
			pic[y*side+x0], pic[y*side+x1] = -3, -3
		}
		pics, caps = append(pics, pic), append(caps, fmt.Sprintf("(%.2f,%.2f)-(%.2f,%.2f)", b[0], b[1], b[2], b[3]))
	}
	return pics, caps
}
