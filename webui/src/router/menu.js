// The console's navigation, as data.
//
// One entry per module, in the order they appear in the side menu. Each leaf
// is also a route (see router/index.js), so adding a page means adding one
// leaf here. Planned modules, in menu order:
//   首页 · 数据源 · 元数据/资产目录 · 数据服务 · 数据质量 · 数据血缘 · 数据权限 ·
//   数据集成 · 系统监控 · 系统管理
// (title keys menu.datasource, menu.catalog, menu.dataService, menu.quality,
// menu.lineage, menu.permission and menu.integration already exist in the
// locale files). Only modules whose pages exist are listed.
//
// Fields:
//   key       unique id, also used for data-test="menu-<key>"
//   titleKey  i18n key of the label (also the breadcrumb and document title)
//   icon      name of an @element-plus/icons-vue component
//   roles     optional: only users holding one of these roles see it and may open it
//   children  (groups) leaves of the group
//   path, name, component (leaves) the route
//   hidden    optional: routable but not shown in the menu

export const menu = [
  {
    key: 'dashboard',
    titleKey: 'menu.dashboard',
    icon: 'HomeFilled',
    path: '/',
    name: 'dashboard',
    component: () => import('@/views/dashboard/DashboardView.vue'),
  },
  {
    key: 'datasource',
    titleKey: 'menu.datasource',
    icon: 'Coin',
    children: [
      {
        key: 'datasource-list',
        titleKey: 'menu.datasourceList',
        icon: 'Connection',
        path: '/datasource/list',
        name: 'datasource-list',
        component: () => import('@/views/datasource/DatasourceListView.vue'),
      },
    ],
  },
  {
    key: 'monitor',
    titleKey: 'menu.monitor',
    icon: 'Monitor',
    children: [
      {
        key: 'audit',
        titleKey: 'menu.auditLog',
        icon: 'Tickets',
        path: '/monitor/audit',
        name: 'audit-log',
        component: () => import('@/views/audit/AuditLogView.vue'),
      },
      {
        key: 'operation-logs',
        titleKey: 'menu.operationLog',
        icon: 'Document',
        path: '/monitor/operation-logs',
        name: 'operation-logs',
        component: () => import('@/views/monitor/OperationLogView.vue'),
      },
    ],
  },
  {
    key: 'system',
    titleKey: 'menu.system',
    icon: 'Setting',
    roles: ['admin'],
    children: [
      {
        key: 'users',
        titleKey: 'menu.users',
        icon: 'User',
        path: '/system/users',
        name: 'system-users',
        component: () => import('@/views/system/UsersView.vue'),
      },
      {
        key: 'roles',
        titleKey: 'menu.roles',
        icon: 'Avatar',
        path: '/system/roles',
        name: 'system-roles',
        component: () => import('@/views/system/RolesView.vue'),
      },
      {
        key: 'api-keys',
        titleKey: 'menu.apiKeys',
        icon: 'Key',
        path: '/system/api-keys',
        name: 'system-api-keys',
        component: () => import('@/views/system/ApiKeysView.vue'),
      },
    ],
  },
]

/** Every leaf with its group (if any) and the roles it needs (own or inherited). */
export function menuLeaves(items = menu) {
  const out = []
  for (const item of items) {
    if (item.children) {
      for (const child of item.children) {
        out.push({ ...child, group: item, roles: child.roles || item.roles })
      }
    } else {
      out.push({ ...item, group: null })
    }
  }
  return out
}

/** The menu as the given user may see it: role-filtered, hidden leaves and empty groups removed. */
export function visibleMenu(hasAnyRole) {
  const allowed = (entry) => !entry.roles || entry.roles.length === 0 || hasAnyRole(entry.roles)
  const out = []
  for (const item of menu) {
    if (!allowed(item) || item.hidden) continue
    if (item.children) {
      const children = item.children.filter((c) => allowed(c) && !c.hidden)
      if (children.length) out.push({ ...item, children })
    } else {
      out.push(item)
    }
  }
  return out
}

/** Breadcrumb trail for a route path: [group?, leaf]. */
export function menuTrail(path) {
  const leaf = menuLeaves().find((l) => l.path === path)
  if (!leaf) return []
  return leaf.group ? [leaf.group, leaf] : [leaf]
}
