// Package httpapi is the Fiber HTTP adapter: routing, the one JSON envelope, error mapping,
// authentication, the operation log, metrics and the embedded console.
package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"assetflow/application/page"
	"assetflow/domain/fault"
	"assetflow/infrastructure/eventstore"
)

// Envelope is the one response shape of every API.
type Envelope struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Success bool           `json:"success"`
	Data    any            `json:"data,omitempty"`
	Meta    *Meta          `json:"meta,omitempty"`
	Details []fault.Detail `json:"details,omitempty"`
}

// Meta describes a page of a list.
type Meta struct {
	Page     int   `json:"page"`
	PageSize int   `json:"pageSize"`
	Total    int64 `json:"total"`
	HasNext  bool  `json:"hasNext"`
	// TotalCapped: the total stopped counting at a limit; there may be more.
	TotalCapped bool `json:"totalCapped,omitempty"`
}

type okBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Success bool   `json:"success"`
	Data    any    `json:"data"`
	Meta    *Meta  `json:"meta,omitempty"`
}

type errBody struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Success bool           `json:"success"`
	Details []fault.Detail `json:"details"`
}

func ok(c *fiber.Ctx, data any) error {
	return c.JSON(okBody{Code: "OK", Message: "ok", Success: true, Data: data})
}

func created(c *fiber.Ctx, data any) error {
	return c.Status(fiber.StatusCreated).JSON(okBody{Code: "OK", Message: "created", Success: true, Data: data})
}

func list[T any](c *fiber.Ctx, p page.Request, res page.Result[T]) error {
	items := res.Items
	if items == nil {
		items = []T{}
	}
	return c.JSON(okBody{Code: "OK", Message: "ok", Success: true, Data: items, Meta: &Meta{
		Page: p.Number, PageSize: p.Size, Total: res.Total, HasNext: int64(p.Offset()+len(items)) < res.Total || (res.Capped && len(items) == p.Size),
		TotalCapped: res.Capped,
	}})
}

// Status maps an error kind to its HTTP status; the one place this mapping exists.
func Status(k fault.Kind) int {
	switch k {
	case fault.KindInvalid:
		return fiber.StatusBadRequest
	case fault.KindUnauthorized:
		return fiber.StatusUnauthorized
	case fault.KindForbidden:
		return fiber.StatusForbidden
	case fault.KindNotFound:
		return fiber.StatusNotFound
	case fault.KindConflict:
		return fiber.StatusConflict
	case fault.KindRateLimited:
		return fiber.StatusTooManyRequests
	case fault.KindDatasource:
		return fiber.StatusBadGateway
	case fault.KindTimeout:
		return fiber.StatusGatewayTimeout
	default:
		return fiber.StatusInternalServerError
	}
}

// ErrorHandler renders every error in the envelope. Only classified messages reach the client;
// anything else is logged and answered as INTERNAL_ERROR.
func ErrorHandler(c *fiber.Ctx, err error) error {
	body := errBody{Success: false, Details: []fault.Detail{}}
	var fe *fault.Error
	var fib *fiber.Error
	var conflict *eventstore.ConflictError
	status := fiber.StatusInternalServerError
	switch {
	case errors.As(err, &conflict):
		status, body.Code = fiber.StatusConflict, "CONFLICT"
		body.Message = "the object was changed by someone else; reload and try again"
		if conflict.ActualVersion >= 0 {
			body.Details = []fault.Detail{{Field: "version", Message: conflict.Error()}}
		}
	case errors.As(err, &fe) && fe.Kind != fault.KindInternal:
		status, body.Code, body.Message = Status(fe.Kind), fe.Kind.Code(), fe.Message
		if fe.Details != nil {
			body.Details = fe.Details
		}
	case errors.As(err, &fib):
		status, body.Code, body.Message = fiberError(fib)
	default:
		body.Code, body.Message = "INTERNAL_ERROR", "internal error; the server log has the details"
		slog.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	return c.Status(status).JSON(body)
}

func fiberError(e *fiber.Error) (int, string, string) {
	switch e.Code {
	case fiber.StatusRequestEntityTooLarge:
		return fiber.StatusBadRequest, "INVALID_PARAM", "request body is too large"
	case fiber.StatusNotFound:
		return fiber.StatusNotFound, "NOT_FOUND", "no such route"
	case fiber.StatusMethodNotAllowed:
		return fiber.StatusMethodNotAllowed, "INVALID_PARAM", "method not allowed"
	case fiber.StatusUnauthorized:
		return e.Code, "UNAUTHORIZED", e.Message
	case fiber.StatusForbidden:
		return e.Code, "FORBIDDEN", e.Message
	case fiber.StatusTooManyRequests:
		return e.Code, "RATE_LIMITED", e.Message
	}
	if e.Code >= 400 && e.Code < 500 {
		return fiber.StatusBadRequest, "INVALID_PARAM", e.Message
	}
	return fiber.StatusInternalServerError, "INTERNAL_ERROR", "internal error"
}

// bind decodes a strict JSON body into dst: malformed JSON, unknown fields, wrong types and
// trailing data are 400s that say where.
func bind(c *fiber.Ctx, dst any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return fault.Invalid("request body is required (JSON)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fault.Invalid("request body has data after the JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fault.Invalid(fmt.Sprintf("malformed JSON at byte %d", syn.Offset), fault.Detail{Message: syn.Error()})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fault.Invalid("malformed JSON: unexpected end of input")
	case errors.As(err, &typ):
		return fault.Field(typ.Field, fmt.Sprintf("%s must be %s", typ.Field, typ.Type.String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fault.Field(name, "unknown field "+name)
	}
	return fault.Invalid("malformed JSON", fault.Detail{Message: err.Error()})
}

// pageOf reads page and page_size.
func pageOf(c *fiber.Ctx) (page.Request, error) {
	n, err1 := queryInt(c, "page")
	s, err2 := queryInt(c, "page_size")
	if err := errors.Join(err1, err2); err != nil {
		return page.Request{}, err
	}
	// An explicit 0 is a mistake, not a request for the default.
	if c.Query("page") == "0" {
		n = -1
	}
	if c.Query("page_size") == "0" {
		s = -1
	}
	return page.New(n, s)
}

func queryInt(c *fiber.Ctx, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fault.Field(name, name+" must be an integer")
	}
	return n, nil
}
