package access

import (
	"regexp"
	"slices"
	"strings"

	"assetflow/domain/eventsourcing"
	"assetflow/domain/fault"
)

// User is an account. Rules:
//   - usernames are 3-64 characters of letters, digits, '_', '.', '-' and unique (enforced by the
//     store's uniqueness claim, since uniqueness spans aggregates);
//   - a user has at least one role, all built in, without duplicates;
//   - passwords have at least 8 characters (hashing happens outside the domain);
//   - a disabled user cannot sign in; disabling twice or enabling an active user is a no-op;
//   - the last word on a user's roles belongs to admins; a user cannot remove admin from itself.
type User struct {
	eventsourcing.Root
	Username    string
	DisplayName string
	Email       string
	Roles       []string
	Disabled    bool
	created     bool
}

const MinPasswordLength = 8

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,64}$`)
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func (*User) StreamType() string { return StreamUser }

// Exists reports whether the user's stream holds a creation event.
func (u *User) Exists() bool { return u.created }

// NewUserInput is what creating a user takes.
type NewUserInput struct {
	Username    string
	Password    string
	DisplayName string
	Email       string
	Roles       []string
}

// CreateUser validates the input and records UserCreated on a fresh aggregate with the given id.
func CreateUser(id string, in NewUserInput) (*User, error) {
	var c fault.Collect
	c.Check(usernamePattern.MatchString(in.Username), "username", "username must be 3-64 letters, digits, '_', '.' or '-'")
	checkPassword(&c, "password", in.Password)
	roles := checkProfile(&c, in.DisplayName, in.Email, in.Roles)
	if err := c.Err(); err != nil {
		return nil, err
	}
	u := &User{}
	u.SetID(id)
	display := strings.TrimSpace(in.DisplayName)
	if display == "" {
		display = in.Username
	}
	eventsourcing.Record(u, UserCreated{UserID: id, Username: in.Username, DisplayName: display, Email: strings.TrimSpace(in.Email), Roles: roles})
	eventsourcing.Record(u, PasswordChanged{UserID: id})
	return u, nil
}

// ValidatePassword applies the password rule on its own (for changes and resets).
func ValidatePassword(field, pw string) error {
	var c fault.Collect
	checkPassword(&c, field, pw)
	return c.Err()
}

func checkPassword(c *fault.Collect, field, pw string) {
	c.Check(len([]rune(pw)) >= MinPasswordLength, field, "password must have at least 8 characters")
	c.Check(len(pw) <= 128, field, "password must have at most 128 characters")
}

func checkProfile(c *fault.Collect, display, email string, roles []string) []string {
	c.Check(len([]rune(display)) <= 128, "displayName", "display name must have at most 128 characters")
	email = strings.TrimSpace(email)
	c.Check(email == "" || emailPattern.MatchString(email), "email", "email is not a valid address")
	c.Check(len(roles) > 0, "roles", "at least one role is required")
	var out []string
	for _, r := range roles {
		if !ValidRole(r) {
			c.Add("roles", "unknown role "+r+" (admin, developer, analyst, viewer)")
			continue
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// Update changes profile and roles. actorID is the admin doing it.
func (u *User) Update(actorID, displayName, email string, roles []string) error {
	if !u.created {
		return fault.NotFound("user", u.ID())
	}
	var c fault.Collect
	roles = checkProfile(&c, displayName, email, roles)
	if actorID == u.ID() && slices.Contains(u.Roles, string(RoleAdmin)) && !slices.Contains(roles, string(RoleAdmin)) {
		c.Add("roles", "you cannot remove the admin role from yourself")
	}
	if err := c.Err(); err != nil {
		return err
	}
	display := strings.TrimSpace(displayName)
	if display == "" {
		display = u.Username
	}
	eventsourcing.Record(u, UserUpdated{UserID: u.ID(), DisplayName: display, Email: strings.TrimSpace(email), Roles: roles})
	return nil
}

// Disable stops the user from signing in.
func (u *User) Disable(actorID string) error {
	if !u.created {
		return fault.NotFound("user", u.ID())
	}
	if actorID == u.ID() {
		return fault.Invalid("you cannot disable yourself")
	}
	if !u.Disabled {
		eventsourcing.Record(u, UserDisabled{UserID: u.ID()})
	}
	return nil
}

// Enable lets a disabled user sign in again.
func (u *User) Enable() error {
	if !u.created {
		return fault.NotFound("user", u.ID())
	}
	if u.Disabled {
		eventsourcing.Record(u, UserEnabled{UserID: u.ID()})
	}
	return nil
}

// SetPassword records a password change after validating the new password.
func (u *User) SetPassword(pw string, byAdmin bool) error {
	if !u.created {
		return fault.NotFound("user", u.ID())
	}
	field := "newPassword"
	if byAdmin {
		field = "password"
	}
	if err := ValidatePassword(field, pw); err != nil {
		return err
	}
	eventsourcing.Record(u, PasswordChanged{UserID: u.ID(), ByAdmin: byAdmin})
	return nil
}

// Transition applies an event to the user's state.
func (u *User) Transition(e eventsourcing.Event) {
	switch e := e.(type) {
	case UserCreated:
		u.created = true
		u.Username, u.DisplayName, u.Email, u.Roles = e.Username, e.DisplayName, e.Email, e.Roles
	case UserUpdated:
		u.DisplayName, u.Email, u.Roles = e.DisplayName, e.Email, e.Roles
	case UserDisabled:
		u.Disabled = true
	case UserEnabled:
		u.Disabled = false
	}
}
