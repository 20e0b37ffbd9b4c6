"""Scores detections with pycocotools' COCOeval, for pkg/detect's test.

    cocoeval.py GT.json DT.json    prints {"map": …, "map50": …}

GT.json is a COCO ground-truth file, DT.json a COCO results list (bbox).
"""
import contextlib
import io
import json
import sys

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO(sys.argv[1])
    dt = gt.loadRes(sys.argv[2])
    ev = COCOeval(gt, dt, "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
print(json.dumps({"map": ev.stats[0], "map50": ev.stats[1]}))
