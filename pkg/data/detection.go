package data

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Detection is toy multi-object detection: 1 to MaxObjects shapes of three
// classes (square, disc, triangle) per image, at most one centred in each
// cell of a Grid×Grid grid and none overlapping another, on Gaussian noise.
// The targets are, per grid cell, [objectness, class, x0, y0, x1, y1]: 1, the
// class and the box (in image fractions) of the object centred there, zeros
// elsewhere — the layout of a one-stage, anchor-free grid detector
// (models.Detector). Scored by mAP (pkg/detect).
type Detection struct {
	// N is the number of images, ≥ 1. Default 2000.
	N int `spec:"n" default:"2000" doc:"images, ≥ 1"`
	// Size is the image side in pixels, ≥ 8. Default 32.
	Size int `spec:"size" default:"32" doc:"image side in pixels, ≥ 8"`
	// Grid is the cells per side; Size/Grid must be a power of two ≥ 2
	// (the detector reaches the grid by halving). Default 4.
	Grid int `spec:"grid" default:"4" doc:"cells per side (size/grid a power of two ≥ 2)"`
	// MaxObjects bounds the objects per image, in [1, Grid²]. Default 4.
	MaxObjects int `spec:"max_objects" default:"4" doc:"objects per image at most, in [1, grid²]"`
	// Noise is the background noise's standard deviation, ≥ 0. Default 0.1
	// (spec.Zero for none).
	Noise float64 `spec:"noise" default:"0.1" doc:"background noise std, ≥ 0"`
	// Seed seeds the generator, ≥ 1. Default 1.
	Seed uint64 `spec:"seed" default:"1" doc:"generator seed, ≥ 1"`
	Holdout
}

// DetectionClasses names the classes of Detection's shapes.
var DetectionClasses = []string{"square", "disc", "triangle"}

// DetectionCell is the number of targets per grid cell:
// objectness, class, x0, y0, x1, y1.
const DetectionCell = 6

// Name returns the registered name.
func (Detection) Name() string { return "detection" }

// String formats the configuration as a spec.
func (c Detection) String() string { return spec.Encode(c.Name(), c) }

// Validate checks the fields.
func (c Detection) Validate() error {
	c = resolved(c).(Detection)
	if err := firstErr(atLeast(c.Name(), "n", "Detection.N", c.N, 1), atLeast(c.Name(), "size", "Detection.Size", c.Size, 8),
		atLeast(c.Name(), "grid", "Detection.Grid", c.Grid, 1), atLeast(c.Name(), "max_objects", "Detection.MaxObjects", c.MaxObjects, 1),
		noiseOK(c.Name(), "Detection", c.Noise), c.Holdout.validate(c.Name())); err != nil {
		return err
	}
	if cell := c.Size / c.Grid; c.Size%c.Grid != 0 || cell < 2 || cell&(cell-1) != 0 {
		return fmt.Errorf("dataset detection: size=%d / grid=%d must be a power of two ≥ 2 (fields Detection.Size, Detection.Grid): the detector halves the image down to the grid", c.Size, c.Grid)
	}
	if c.MaxObjects > c.Grid*c.Grid {
		return fmt.Errorf("dataset detection: max_objects=%d exceeds the grid's %d cells (field Detection.MaxObjects): at most one object is centred in each cell", c.MaxObjects, c.Grid*c.Grid)
	}
	return nil
}

// Load generates the images and splits them.
func (c Detection) Load() (Splits, error) {
	if err := c.Validate(); err != nil {
		return Splits{}, err
	}
	r := resolved(c).(Detection)
	d, err := DetectionImages(r.N, r.Size, r.Grid, r.MaxObjects, r.Noise+0, r.Seed)
	if err != nil {
		return Splits{}, err
	}
	out, err := Split(d, r.Val+0, r.Test+0, r.Seed)
	return finish(c, out, err)
}

// DetectionImages draws n images (see Detection). An object's side is 14–30 %
// of the image; its position is drawn until its centre falls in a free cell
// and its box overlaps no other (at most 50 draws, else the image keeps fewer
// objects).
func DetectionImages(n, size, grid, maxObjects int, noise float64, seed uint64) (*Dataset, error) {
	if err := checkValues("detection", n, size*size); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0xde7))
	t := grid * grid * DetectionCell
	d := &Dataset{Name: "detection", Task: Regression, N: n, D: size * size, Shape: []int{size, size, 1},
		X: make([]float64, n*size*size), Y: make([]float64, n*t), T: t, Grid: grid,
		Classes: len(DetectionClasses), ClassNames: DetectionClasses}
	for i := 0; i < n; i++ {
		img, y := d.X[i*size*size:(i+1)*size*size], d.Y[i*t:(i+1)*t]
		for k := range img {
			img[k] = noise * rng.NormFloat64()
		}
		var boxes [][4]float64
		for range 1 + rng.IntN(maxObjects) {
			for try := 0; try < 50; try++ {
				w := 0.14 + 0.16*rng.Float64()
				x0, y0 := rng.Float64()*(1-w), rng.Float64()*(1-w)
				b := [4]float64{x0, y0, x0 + w, y0 + w}
				cell := int(math.Floor((y0+w/2)*float64(grid)))*grid + int(math.Floor((x0+w/2)*float64(grid)))
				if y[cell*DetectionCell] == 1 || overlapsAny(b, boxes) {
					continue
				}
				class := rng.IntN(len(DetectionClasses))
				copy(y[cell*DetectionCell:], []float64{1, float64(class), b[0], b[1], b[2], b[3]})
				boxes = append(boxes, b)
				drawShape(img, size, class, b)
				break
			}
		}
	}
	return d, nil
}

func overlapsAny(b [4]float64, boxes [][4]float64) bool {
	for _, o := range boxes {
		if b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3] {
			return true
		}
	}
	return false
}

// drawShape adds 1 to the pixels (centres) inside the class's shape in box b.
func drawShape(img []float64, size, class int, b [4]float64) {
	w := b[2] - b[0]
	cx, cy := b[0]+w/2, b[1]+w/2
	for r := 0; r < size; r++ {
		for c := 0; c < size; c++ {
			px, py := (float64(c)+0.5)/float64(size), (float64(r)+0.5)/float64(size)
			if px < b[0] || px > b[2] || py < b[1] || py > b[3] {
				continue
			}
			in := true
			switch class {
			case 1: // disc
				in = (px-cx)*(px-cx)+(py-cy)*(py-cy) <= w*w/4
			case 2: // triangle, apex up
				in = math.Abs(px-cx) <= (py-b[1])/2
			}
			if in {
				img[r*size+c] += 1
			}
		}
	}
}
