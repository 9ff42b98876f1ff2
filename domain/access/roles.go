// Package access holds users, roles, sessions and API keys: who may sign in and what each role may do.
package access

import "slices"

// Role is one of the built-in roles.
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleDeveloper Role = "developer"
	RoleAnalyst   Role = "analyst"
	RoleViewer    Role = "viewer"
)

// Roles lists the built-in roles, most powerful first.
var Roles = []Role{RoleAdmin, RoleDeveloper, RoleAnalyst, RoleViewer}

// Permission names an action class a role grants.
type Permission string

const (
	// PermManageSystem covers users, roles, API keys and system settings.
	PermManageSystem Permission = "system:manage"
	// PermManageAssets covers datasources, report APIs, quality rules, sync tasks.
	PermManageAssets Permission = "assets:manage"
	// PermQuery allows running SQL in the query console against granted tables.
	PermQuery Permission = "data:query"
	// PermRead allows browsing the catalog, lineage, dashboards and logs.
	PermRead Permission = "catalog:read"
)

var rolePermissions = map[Role][]Permission{
	RoleAdmin:     {PermManageSystem, PermManageAssets, PermQuery, PermRead},
	RoleDeveloper: {PermManageAssets, PermQuery, PermRead},
	RoleAnalyst:   {PermQuery, PermRead},
	RoleViewer:    {PermRead},
}

// ValidRole reports whether r is a built-in role.
func ValidRole(r string) bool { return slices.Contains(Roles, Role(r)) }

// Permissions of a role.
func (r Role) Permissions() []Permission { return rolePermissions[r] }

// Allows reports whether any of roles grants p.
func Allows(roles []string, p Permission) bool {
	for _, r := range roles {
		if slices.Contains(rolePermissions[Role(r)], p) {
			return true
		}
	}
	return false
}
