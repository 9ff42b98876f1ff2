package access_test

import (
	"errors"
	"testing"
	"time"

	"assetflow/domain/access"
	"assetflow/domain/fault"
)

func TestCreateUserRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		in     access.NewUserInput
		fields []string
	}{
		{"valid", access.NewUserInput{Username: "alice.w", Password: "password-1", Roles: []string{"analyst"}}, nil},
		{"short username", access.NewUserInput{Username: "al", Password: "password-1", Roles: []string{"analyst"}}, []string{"username"}},
		{"bad characters", access.NewUserInput{Username: "al ice", Password: "password-1", Roles: []string{"analyst"}}, []string{"username"}},
		{"short password", access.NewUserInput{Username: "alice", Password: "1234567", Roles: []string{"analyst"}}, []string{"password"}},
		{"no roles", access.NewUserInput{Username: "alice", Password: "password-1"}, []string{"roles"}},
		{"unknown role", access.NewUserInput{Username: "alice", Password: "password-1", Roles: []string{"root"}}, []string{"roles"}},
		{"bad email", access.NewUserInput{Username: "alice", Password: "password-1", Roles: []string{"viewer"}, Email: "nope"}, []string{"email"}},
		{"everything wrong", access.NewUserInput{Username: "a", Password: "x", Roles: nil}, []string{"username", "password", "roles"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, err := access.CreateUser("user-1", tc.in)
			if len(tc.fields) == 0 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if len(u.Changes()) != 2 || u.DisplayName != tc.in.Username || !u.Exists() {
					t.Fatalf("created user: %+v", u)
				}
				return
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Kind != fault.KindInvalid {
				t.Fatalf("want invalid, got %v", err)
			}
			if len(fe.Details) != len(tc.fields) {
				t.Fatalf("details %+v, want fields %v", fe.Details, tc.fields)
			}
			for i, f := range tc.fields {
				if fe.Details[i].Field != f {
					t.Fatalf("detail %d is %q, want %q", i, fe.Details[i].Field, f)
				}
			}
		})
	}
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	u, err := access.CreateUser("user-1", access.NewUserInput{Username: "alice", Password: "password-1", Roles: []string{"admin", "admin", "viewer"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Roles) != 2 {
		t.Fatalf("duplicate roles kept: %v", u.Roles)
	}
	if err := u.Disable("user-1"); err == nil {
		t.Fatal("a user disabled itself")
	}
	if err := u.Update("user-1", "", "", []string{"viewer"}); err == nil {
		t.Fatal("an admin removed its own admin role")
	}
	if err := u.Disable("user-2"); err != nil || !u.Disabled {
		t.Fatalf("disable: %v", err)
	}
	n := len(u.Changes())
	if err := u.Disable("user-2"); err != nil || len(u.Changes()) != n {
		t.Fatal("disabling twice recorded another event")
	}
	if err := u.Enable(); err != nil || u.Disabled {
		t.Fatalf("enable: %v", err)
	}
	if err := u.SetPassword("short", true); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("short password accepted: %v", err)
	}
	var missing access.User
	if err := missing.Enable(); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("enable of a missing user: %v", err)
	}
}

func TestAPIKeyRules(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := access.CreateAPIKey("k", " ", "p", "h", "u", "u", 0, now); err == nil {
		t.Fatal("blank name accepted")
	}
	if _, err := access.CreateAPIKey("k", "ci", "p", "h", "u", "u", -1, now); err == nil {
		t.Fatal("negative expiry accepted")
	}
	k, err := access.CreateAPIKey("k", "ci", "p", "h", "u", "u", 30, now)
	if err != nil {
		t.Fatal(err)
	}
	created := k.Changes()[0].(access.APIKeyCreated)
	if created.ExpiresAt == nil || !created.ExpiresAt.Equal(now.AddDate(0, 0, 30)) {
		t.Fatalf("expiry %v", created.ExpiresAt)
	}
	if err := k.Revoke(); err != nil || !k.Revoked {
		t.Fatal(err)
	}
	n := len(k.Changes())
	_ = k.Revoke()
	if len(k.Changes()) != n {
		t.Fatal("revoking twice recorded another event")
	}
}

func TestRolePermissions(t *testing.T) {
	t.Parallel()
	if !access.Allows([]string{"admin"}, access.PermManageSystem) || access.Allows([]string{"developer", "analyst"}, access.PermManageSystem) {
		t.Fatal("only admins manage the system")
	}
	if access.Allows([]string{"viewer"}, access.PermQuery) || !access.Allows([]string{"viewer"}, access.PermRead) {
		t.Fatal("viewers read but do not query")
	}
	if access.Allows([]string{"nobody"}, access.PermRead) {
		t.Fatal("unknown roles grant nothing")
	}
}
