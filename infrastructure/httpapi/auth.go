package httpapi

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	appaccess "assetflow/application/access"
	"assetflow/domain/access"
	"assetflow/domain/fault"
	"assetflow/domain/monitor"
	accessproj "assetflow/projections/access"
)

type localKey int

const (
	localPrincipal localKey = iota
	localCorrelation
	localLoginName
)

func principalOf(c *fiber.Ctx) (accessproj.Principal, bool) {
	p, ok := c.Locals(localPrincipal).(accessproj.Principal)
	return p, ok
}

func correlation(c *fiber.Ctx) string {
	s, _ := c.Locals(localCorrelation).(string)
	return s
}

func asFiber(err error, target **fiber.Error) bool { return errors.As(err, target) }

// authenticate accepts a Bearer session token or an X-API-Key; the user must be active and, for
// tokens, the session not ended. Roles come from the read model, so changes apply at once.
func (h *handlers) authenticate(c *fiber.Ctx) error {
	p, err := h.resolvePrincipal(c)
	if err != nil {
		return err
	}
	c.Locals(localPrincipal, p)
	if h.Monitor2.Sessions != nil {
		h.Monitor2.Sessions.Touch(p.SessionID, h.Now().UTC())
	}
	return c.Next()
}

// resolvePrincipal reads the caller's credentials (shared by the API and the /data-api gateway).
func (h *handlers) resolvePrincipal(c *fiber.Ctx) (accessproj.Principal, error) {
	if key := c.Get("X-API-Key"); key != "" {
		return h.Users.APIKeyPrincipal(c.Context(), appaccess.APIKeyHash(key), h.Now())
	}
	auth := c.Get(fiber.HeaderAuthorization)
	token, found := strings.CutPrefix(auth, "Bearer ")
	if !found || token == "" {
		return accessproj.Principal{}, fault.Unauthorized("sign in first: send Authorization: Bearer <token> or X-API-Key")
	}
	claims, err := h.Tokens.Verify(token)
	if err != nil {
		return accessproj.Principal{}, err
	}
	p, err := h.Users.SessionPrincipal(c.Context(), claims.Subject, claims.SessionID)
	if errors.Is(err, accessproj.ErrUnknownUser) {
		// A user created moments ago may not be in the read model yet: bring its stream in
		// (bounded, idempotent) and ask once more.
		if done, _ := h.Waiter.Await(c.Context(), eventRef{StreamID: claims.Subject, Version: 1}, accessproj.Name); done {
			p, err = h.Users.SessionPrincipal(c.Context(), claims.Subject, claims.SessionID)
		}
	}
	return p, err
}

func (h *handlers) requireAdmin(c *fiber.Ctx) error {
	return h.require(access.PermManageSystem)(c)
}

func (h *handlers) require(perm access.Permission) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, ok := principalOf(c)
		if !ok {
			return fault.Unauthorized("sign in first")
		}
		if !access.Allows(p.Roles, perm) {
			return fault.Forbidden("your roles do not allow this (" + string(perm) + ")")
		}
		return c.Next()
	}
}

// operationLog records every mutating request as a monitor.operation_logged fact.
func (h *handlers) operationLog(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
	default:
		return c.Next()
	}
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		var fe *fiber.Error
		switch {
		case fault.KindOf(err) != fault.KindInternal:
			status = Status(fault.KindOf(err))
		case asFiber(err, &fe):
			status, _, _ = fiberError(fe)
		default:
			status = fiber.StatusInternalServerError
		}
	}
	e := monitor.OperationLogged{
		Method: c.Method(), Path: c.Path(), Status: status, DurationMs: time.Since(start).Milliseconds(),
		ClientIP: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 256), Summary: SummarizeBody(c.Body(), 1000),
	}
	meta := h.meta(c)
	if p, ok := principalOf(c); ok {
		e.UserID, e.UserName = p.UserID, p.Username
	} else if name, ok := c.Locals(localLoginName).(string); ok {
		e.UserName = name
		meta.ActorName = name
	}
	p, encErr := h.Codec.Encode(e)
	if encErr == nil {
		_ = h.Facts.Submit(c.Context(), streamAppend("oplog-"+uuid.NewString(), monitor.StreamOperation, p, meta))
	}
	return err
}

var secretKey = regexp.MustCompile(`(?i)(password|passwd|secret|token|api[_-]?key|credential|private)`)

// SummarizeBody renders a JSON body with secret-looking fields masked and the whole cut to max
// characters; a non-JSON body is described by its size only.
func SummarizeBody(body []byte, max int) string {
	if len(body) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "(non-JSON body, " + itoa(len(body)) + " bytes)"
	}
	b, _ := json.Marshal(mask(v))
	return truncate(string(b), max)
}

func mask(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if secretKey.MatchString(k) {
				t[k] = "***"
			} else {
				t[k] = mask(val)
			}
		}
	case []any:
		for i := range t {
			t[i] = mask(t[i])
		}
	case string:
		return truncate(t, 200)
	}
	return v
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func hasRole(p accessproj.Principal, r access.Role) bool { return slices.Contains(p.Roles, string(r)) }
