import { MANAGE_ROLES } from '@/composables/usePermissions'

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
//   parentKey optional (hidden leaves): the leaf it belongs to, highlighted in the menu and shown
//             before it in the breadcrumb (e.g. a detail page under its list)

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
    key: 'catalog',
    titleKey: 'menu.catalog',
    icon: 'Files',
    children: [
      {
        key: 'catalog-browse',
        titleKey: 'menu.catalogBrowse',
        icon: 'View',
        path: '/catalog/browse',
        name: 'catalog-browse',
        component: () => import('@/views/catalog/CatalogBrowseView.vue'),
      },
      {
        key: 'catalog-tables',
        titleKey: 'menu.catalogTables',
        icon: 'Grid',
        path: '/catalog/tables',
        name: 'catalog-tables',
        component: () => import('@/views/catalog/CatalogTablesView.vue'),
      },
      {
        key: 'catalog-table-detail',
        titleKey: 'menu.catalogTableDetail',
        icon: 'Document',
        path: '/catalog/tables/:id',
        name: 'catalog-table-detail',
        hidden: true,
        parentKey: 'catalog-tables',
        component: () => import('@/views/catalog/CatalogTableDetailView.vue'),
      },
      {
        key: 'catalog-categories',
        titleKey: 'menu.catalogCategories',
        icon: 'FolderOpened',
        path: '/catalog/categories',
        name: 'catalog-categories',
        component: () => import('@/views/catalog/CatalogCategoriesView.vue'),
      },
      {
        key: 'catalog-tags',
        titleKey: 'menu.catalogTags',
        icon: 'PriceTag',
        path: '/catalog/tags',
        name: 'catalog-tags',
        component: () => import('@/views/catalog/CatalogTagsView.vue'),
      },
      {
        key: 'catalog-runs',
        titleKey: 'menu.catalogRuns',
        icon: 'Timer',
        path: '/catalog/runs',
        name: 'catalog-runs',
        component: () => import('@/views/catalog/CatalogRunsView.vue'),
      },
    ],
  },
  {
    key: 'quality',
    titleKey: 'menu.quality',
    icon: 'CircleCheck',
    children: [
      {
        key: 'quality-rules',
        titleKey: 'menu.qualityRules',
        icon: 'List',
        path: '/quality/rules',
        name: 'quality-rules',
        component: () => import('@/views/quality/QualityRulesView.vue'),
      },
      {
        key: 'quality-results',
        titleKey: 'menu.qualityResults',
        icon: 'Tickets',
        path: '/quality/results',
        name: 'quality-results',
        component: () => import('@/views/quality/QualityResultsView.vue'),
      },
      {
        key: 'quality-rule-detail',
        titleKey: 'menu.qualityRuleDetail',
        icon: 'DataLine',
        path: '/quality/rules/:id',
        name: 'quality-rule-detail',
        hidden: true,
        parentKey: 'quality-rules',
        component: () => import('@/views/quality/QualityRuleDetailView.vue'),
      },
    ],
  },
  {
    key: 'lineage',
    titleKey: 'menu.lineage',
    icon: 'Share',
    children: [
      {
        key: 'lineage-graph',
        titleKey: 'menu.lineageGraph',
        icon: 'Connection',
        path: '/lineage',
        name: 'lineage',
        component: () => import('@/views/lineage/LineageView.vue'),
      },
    ],
  },
  {
    key: 'dataservice',
    titleKey: 'menu.dataService',
    icon: 'DataAnalysis',
    children: [
      {
        key: 'dataservice-query',
        titleKey: 'menu.dataQuery',
        icon: 'EditPen',
        path: '/dataservice/query',
        name: 'dataservice-query',
        component: () => import('@/views/dataservice/query/index.vue'),
      },
      {
        key: 'dataservice-query-log',
        titleKey: 'menu.queryLog',
        icon: 'Memo',
        path: '/dataservice/query-log',
        name: 'dataservice-query-log',
        component: () => import('@/views/dataservice/query/queryLog.vue'),
      },
      {
        key: 'dataservice-interfaces',
        titleKey: 'menu.interfaces',
        icon: 'Share',
        path: '/dataservice/interfaces',
        name: 'dataservice-interfaces',
        component: () => import('@/views/dataservice/interface/index.vue'),
      },
      {
        key: 'dataservice-interface-new',
        titleKey: 'menu.interfaceNew',
        icon: 'Plus',
        path: '/dataservice/interfaces/new',
        name: 'dataservice-interface-new',
        hidden: true,
        parentKey: 'dataservice-interfaces',
        roles: MANAGE_ROLES,
        component: () => import('@/views/dataservice/interface/edit.vue'),
      },
      {
        key: 'dataservice-interface-edit',
        titleKey: 'menu.interfaceEdit',
        icon: 'EditPen',
        path: '/dataservice/interfaces/:code/edit',
        name: 'dataservice-interface-edit',
        hidden: true,
        parentKey: 'dataservice-interfaces',
        roles: MANAGE_ROLES,
        component: () => import('@/views/dataservice/interface/edit.vue'),
      },
      {
        key: 'dataservice-interface-detail',
        titleKey: 'menu.interfaceDetail',
        icon: 'Document',
        path: '/dataservice/interfaces/:code',
        name: 'dataservice-interface-detail',
        hidden: true,
        parentKey: 'dataservice-interfaces',
        component: () => import('@/views/dataservice/interface/detail.vue'),
      },
      {
        key: 'dataservice-calls',
        titleKey: 'menu.callLog',
        icon: 'Notebook',
        path: '/dataservice/calls',
        name: 'dataservice-calls',
        component: () => import('@/views/dataservice/interface/callLog.vue'),
      },
    ],
  },
  {
    key: 'access',
    titleKey: 'menu.permission',
    icon: 'Lock',
    children: [
      {
        key: 'access-grants',
        titleKey: 'menu.accessGrants',
        icon: 'Key',
        roles: MANAGE_ROLES,
        path: '/access/grants',
        name: 'access-grants',
        component: () => import('@/views/access/GrantsView.vue'),
      },
      {
        key: 'access-masks',
        titleKey: 'menu.accessMasks',
        icon: 'Hide',
        roles: MANAGE_ROLES,
        path: '/access/masks',
        name: 'access-masks',
        component: () => import('@/views/access/MasksView.vue'),
      },
      {
        key: 'access-row-filters',
        titleKey: 'menu.accessRowFilters',
        icon: 'Filter',
        roles: MANAGE_ROLES,
        path: '/access/row-filters',
        name: 'access-row-filters',
        component: () => import('@/views/access/RowFiltersView.vue'),
      },
      {
        key: 'access-requests',
        titleKey: 'menu.accessRequests',
        icon: 'Tickets',
        path: '/access/requests',
        name: 'access-requests',
        component: () => import('@/views/access/RequestsView.vue'),
      },
      {
        key: 'access-explain',
        titleKey: 'menu.accessExplain',
        icon: 'QuestionFilled',
        path: '/access/explain',
        name: 'access-explain',
        component: () => import('@/views/access/ExplainView.vue'),
      },
    ],
  },
  {
    key: 'integration',
    titleKey: 'menu.integration',
    icon: 'Switch',
    children: [
      {
        key: 'integration-tasks',
        titleKey: 'menu.integrationTasks',
        icon: 'Connection',
        path: '/dataintegration',
        name: 'integration-tasks',
        component: () => import('@/views/dataintegration/SyncTasksView.vue'),
      },
      {
        key: 'integration-task-new',
        titleKey: 'menu.integrationTaskNew',
        icon: 'Plus',
        path: '/dataintegration/tasks/new',
        name: 'integration-task-new',
        hidden: true,
        parentKey: 'integration-tasks',
        roles: MANAGE_ROLES,
        component: () => import('@/views/dataintegration/SyncTaskFormView.vue'),
      },
      {
        key: 'integration-task-edit',
        titleKey: 'menu.integrationTaskEdit',
        icon: 'EditPen',
        path: '/dataintegration/tasks/:id/edit',
        name: 'integration-task-edit',
        hidden: true,
        parentKey: 'integration-tasks',
        roles: MANAGE_ROLES,
        component: () => import('@/views/dataintegration/SyncTaskFormView.vue'),
      },
      {
        key: 'integration-task',
        titleKey: 'menu.integrationTask',
        icon: 'Document',
        path: '/dataintegration/tasks/:id',
        name: 'integration-task',
        hidden: true,
        parentKey: 'integration-tasks',
        component: () => import('@/views/dataintegration/SyncTaskView.vue'),
      },
      {
        key: 'integration-run',
        titleKey: 'menu.integrationRun',
        icon: 'Timer',
        path: '/dataintegration/runs/:id',
        name: 'integration-run',
        hidden: true,
        parentKey: 'integration-tasks',
        component: () => import('@/views/dataintegration/SyncRunView.vue'),
      },
    ],
  },
  {
    key: 'monitor',
    titleKey: 'menu.monitor',
    icon: 'Monitor',
    children: [
      {
        key: 'monitor-server',
        titleKey: 'menu.monitorServer',
        icon: 'Odometer',
        roles: ['admin'],
        path: '/monitor/server',
        name: 'monitor-server',
        component: () => import('@/views/monitor/ServerView.vue'),
      },
      {
        key: 'monitor-online',
        titleKey: 'menu.monitorOnline',
        icon: 'UserFilled',
        roles: ['admin'],
        path: '/monitor/online',
        name: 'monitor-online',
        component: () => import('@/views/monitor/OnlineUsersView.vue'),
      },
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
      {
        key: 'monitor-login-log',
        titleKey: 'menu.monitorLoginLog',
        icon: 'Finished',
        roles: ['admin'],
        path: '/monitor/login-log',
        name: 'monitor-login-log',
        component: () => import('@/views/monitor/LoginLogView.vue'),
      },
      {
        key: 'monitor-jobs',
        titleKey: 'menu.monitorJobs',
        icon: 'AlarmClock',
        roles: ['admin'],
        path: '/monitor/jobs',
        name: 'monitor-jobs',
        component: () => import('@/views/monitor/JobsView.vue'),
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

/** The leaf of a route (matched by route name, else by path) or of a path. */
function leafOf(route) {
  const leaves = menuLeaves()
  if (typeof route === 'string') return leaves.find((l) => l.path === route)
  return leaves.find((l) => route?.name && l.name === route.name) || leaves.find((l) => l.path === route?.path)
}

/** Breadcrumb trail for a route (or a path): [group?, parent leaf?, leaf]. */
export function menuTrail(route) {
  const leaf = leafOf(route)
  if (!leaf) return []
  const trail = [leaf]
  const parent = leaf.parentKey ? menuLeaves().find((l) => l.key === leaf.parentKey) : null
  if (parent) trail.unshift(parent)
  if (leaf.group) trail.unshift(leaf.group)
  return trail
}

/** The menu entry to highlight for a route: a hidden leaf's parent, else the route's own path. */
export function activeMenuPath(route) {
  const leaf = leafOf(route)
  if (leaf?.parentKey) {
    const parent = menuLeaves().find((l) => l.key === leaf.parentKey)
    if (parent) return parent.path
  }
  return route?.path || '/'
}
