package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Confusion draws a confusion matrix: row i is the true class names[i],
// column j the predicted class; each cell is shaded by its share of the row
// (white 0 → blue 1) and shows its count.
func Confusion(title string, names []string, counts [][]int) (*plot.Plot, error) {
	k := len(names)
	if len(counts) != k {
		return nil, fmt.Errorf("plots.Confusion: %d rows for %d classes", len(counts), k)
	}
	cells := make([]float64, 0, k*k)
	var labels plotter.XYLabels
	for i, row := range counts {
		if len(row) != k {
			return nil, fmt.Errorf("plots.Confusion: row %d has %d columns, want %d", i, len(row), k)
		}
		total := 0
		for _, c := range row {
			total += c
		}
		for j, c := range row {
			cells = append(cells, float64(c)/math.Max(float64(total), 1))
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(j), Y: float64(k - 1 - i)})
			labels.Labels = append(labels.Labels, fmt.Sprint(c))
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, k, k))
	for i := range k {
		for j := range k {
			s := cells[i*k+j]
			img.Set(j, i, color.RGBA{uint8(255 * (1 - s)), uint8(255 - 141*s), uint8(255 - 77*s), 255})
		}
	}
	p := newPlot(title, "predicted class", "true class")
	p.Add(plotter.NewImage(upscale(img, 32), -0.5, -0.5, float64(k)-0.5, float64(k)-0.5))
	if err := addLabels(p, labels, draw.YCenter, 8); err != nil {
		return nil, err
	}
	var xt, yt []plot.Tick
	for i, n := range names {
		xt = append(xt, plot.Tick{Value: float64(i), Label: n})
		yt = append(yt, plot.Tick{Value: float64(k - 1 - i), Label: n})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, float64(k)-0.5, -0.5, float64(k)-0.5
	p.X.Tick.Label.Rotation, p.X.Tick.Label.XAlign = math.Pi/4, draw.XRight
	return p, nil
}

// Images lays out grayscale pictures of w×h pixels (row-major, any range:
// each is scaled to its own minimum and maximum) in a grid of cols columns,
// with captions[i] under picture i.
func Images(title string, pics [][]float64, w, h, cols int, captions []string) (*plot.Plot, error) {
	if len(pics) == 0 || cols < 1 {
		return nil, fmt.Errorf("plots.Images: need at least one picture and one column")
	}
	rows := (len(pics) + cols - 1) / cols
	cw, ch := w+2, h+h/2 // a band under each picture for its caption
	img := image.NewGray(image.Rect(0, 0, cols*cw, rows*ch))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var labels plotter.XYLabels
	for n, pic := range pics {
		if len(pic) != w*h {
			return nil, fmt.Errorf("plots.Images: picture %d has %d values, want %d×%d", n, len(pic), w, h)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range pic {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		ox, oy := (n%cols)*cw, (n/cols)*ch
		for y := range h {
			for x := range w {
				v := (pic[y*w+x] - lo) / math.Max(hi-lo, 1e-12)
				img.SetGray(ox+x, oy+y, color.Gray{Y: uint8(255 * (1 - v))}) // dark on white
			}
		}
		if n < len(captions) {
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(ox) + float64(w)/2, Y: float64(rows*ch-oy-h) - 0.5})
			labels.Labels = append(labels.Labels, captions[n])
		}
	}
	p := newPlot(title, "", "")
	p.Add(plotter.NewImage(upscale(img, 4), 0, 0, float64(cols*cw), float64(rows*ch)))
	if len(labels.Labels) > 0 {
		if err := addLabels(p, labels, draw.YTop, 7); err != nil {
			return nil, err
		}
	}
	p.HideAxes()
	return p, nil
}

// upscale repeats each pixel f×f times, so the figure's scaling keeps pixels
// (and a confusion matrix's cell edges) sharp.
func upscale(src image.Image, f int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()*f, b.Dy()*f))
	for y := range b.Dy() * f {
		for x := range b.Dx() * f {
			dst.Set(x, y, src.At(b.Min.X+x/f, b.Min.Y+y/f))
		}
	}
	return dst
}

// addLabels adds text centred horizontally at each point, aligned
// vertically by yAlign, in a font of size points.
func addLabels(p *plot.Plot, labels plotter.XYLabels, yAlign draw.YAlignment, size float64) error {
	lab, err := plotter.NewLabels(labels)
	if err != nil {
		return err
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].XAlign, lab.TextStyle[i].YAlign = draw.XCenter, yAlign
		lab.TextStyle[i].Font.Size = vg.Points(size)
	}
	p.Add(lab)
	return nil
}
