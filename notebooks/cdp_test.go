package notebooks

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// cdp is a minimal Chrome DevTools Protocol client for the browser test: a
// WebSocket (RFC 6455) connection to one page, written here so that the
// test needs no browser-automation library — it sends a method, skips the
// events it does not keep, and returns the result with the same id.
type cdp struct {
	conn    net.Conn
	br      *bufio.Reader
	id      int
	console []string // the page's console errors and uncaught exceptions
}

// dialCDP opens the WebSocket at wsURL (a target's webSocketDebuggerUrl).
func dialCDP(wsURL string) (*cdp, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		conn.Close()
		return nil, fmt.Errorf("websocket handshake with %s: %s", wsURL, resp.Status)
	}
	return &cdp{conn: conn, br: br}, nil
}

func (c *cdp) Close() error { return c.conn.Close() }

// writeFrame sends one masked frame (clients must mask).
func (c *cdp) writeFrame(op byte, p []byte) error {
	hdr := []byte{0x80 | op}
	switch n := len(p); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n < 1<<16:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = binary.BigEndian.AppendUint64(append(hdr, 0x80|127), uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	frame := append(hdr, mask[:]...)
	for i, b := range p {
		frame = append(frame, b^mask[i%4])
	}
	_, err := c.conn.Write(frame)
	return err
}

// readMessage returns the next text or binary message, answering pings.
func (c *cdp) readMessage() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			return nil, err
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		var mask [4]byte
		if h[1]&0x80 != 0 {
			if _, err := io.ReadFull(c.br, mask[:]); err != nil {
				return nil, err
			}
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(c.br, p); err != nil {
			return nil, err
		}
		if h[1]&0x80 != 0 {
			for i := range p {
				p[i] ^= mask[i%4]
			}
		}
		switch op := h[0] & 0x0f; op {
		case 0x8:
			return nil, errors.New("the browser closed the DevTools connection")
		case 0x9:
			if err := c.writeFrame(0xA, p); err != nil {
				return nil, err
			}
		case 0x0, 0x1, 0x2:
			msg = append(msg, p...)
			if h[0]&0x80 != 0 {
				return msg, nil
			}
		}
	}
}

// call sends method with params and waits (up to timeout) for its result,
// keeping console errors from the events it passes.
func (c *cdp) call(method string, params any, timeout time.Duration) (json.RawMessage, error) {
	c.id++
	req, err := json.Marshal(map[string]any{"id": c.id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	c.conn.SetDeadline(time.Now().Add(timeout))
	if err := c.writeFrame(0x1, req); err != nil {
		return nil, err
	}
	for {
		m, err := c.readMessage()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		var r struct {
			ID     int             `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(m, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		if r.Method != "" {
			c.keepConsole(r.Method, r.Params)
			continue
		}
		if r.ID != c.id {
			continue
		}
		if r.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		return r.Result, nil
	}
}

// keepConsole records the page's console errors and exceptions.
func (c *cdp) keepConsole(method string, params json.RawMessage) {
	switch method {
	case "Runtime.consoleAPICalled":
		var e struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		if json.Unmarshal(params, &e) == nil && (e.Type == "error" || e.Type == "warning") {
			var parts []string
			for _, a := range e.Args {
				if a.Value != nil {
					parts = append(parts, fmt.Sprint(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			c.console = append(c.console, e.Type+": "+strings.Join(parts, " "))
		}
	case "Runtime.exceptionThrown":
		c.console = append(c.console, "exception: "+string(params))
	}
}

// eval evaluates the JavaScript expression js in the page (awaiting a
// promise) and decodes its value into out (nil: ignore it).
func (c *cdp) eval(js string, out any) error {
	raw, err := c.call("Runtime.evaluate", map[string]any{"expression": js, "returnByValue": true, "awaitPromise": true}, 60*time.Second)
	if err != nil {
		return err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return fmt.Errorf("javascript: %s %s", e.Text, e.Exception.Description)
	}
	if out == nil || len(r.Result.Value) == 0 {
		return nil
	}
	return json.Unmarshal(r.Result.Value, out)
}

// waitFor evaluates js every quarter second until it returns a value other
// than false, null or undefined, and decodes that value into out.
func (c *cdp) waitFor(js string, timeout time.Duration, out any) error {
	deadline := time.Now().Add(timeout)
	for {
		var v json.RawMessage
		err := c.eval(js, &v)
		if err == nil && len(v) > 0 && string(v) != "false" && string(v) != "null" {
			if out == nil {
				return nil
			}
			return json.Unmarshal(v, out)
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("still %s", v)
			}
			return fmt.Errorf("waited %s for %s: %w", timeout, js, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
