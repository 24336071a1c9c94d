import type { Generated } from 'kysely';

export interface AppInstallationsTable {
  id: Generated<number>;
  installation_id: string;
  platform: string | null;
  app_version: string | null;
  channel: string | null;
  source: string | null;
  user_id: number | null;
  metadata: string;
  first_seen_at: number;
  last_seen_at: number;
  reports: Generated<number>;
}

export interface AppActivityTable {
  installation_id: string;
  /** UTC day, YYYY-MM-DD. */
  activity_date: string;
  platform: string | null;
  app_version: string | null;
  source: string | null;
  user_id: number | null;
  identity_type: 'user' | 'anonymous';
  metadata: string;
  first_seen_at: number;
  last_seen_at: number;
  reports: Generated<number>;
}

export interface AppErrorsTable {
  id: Generated<number>;
  installation_id: string | null;
  user_id: number | null;
  app_version: string | null;
  platform: string | null;
  error_name: string | null;
  error_code: string | null;
  message: string;
  details: string | null;
  stack_trace: string | null;
  severity: string;
  email: string | null;
  metadata: string;
  created_at: number;
}

export interface AppFeedbackTable {
  id: Generated<number>;
  installation_id: string | null;
  user_id: number | null;
  app_version: string | null;
  platform: string | null;
  category: string | null;
  rating: number | null;
  message: string;
  email: string | null;
  metadata: string;
  created_at: number;
}

export interface AppNotificationsTable {
  id: Generated<number>;
  title: string;
  message: string;
  level: 'info' | 'warning' | 'critical';
  url: string | null;
  /** JSON array of platform names; null = every platform. */
  platforms: string | null;
  starts_at: number | null;
  ends_at: number | null;
  active: number;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

declare module '../schema' {
  interface DB {
    app_installations: AppInstallationsTable;
    app_activity: AppActivityTable;
    app_errors: AppErrorsTable;
    app_feedback: AppFeedbackTable;
    app_notifications: AppNotificationsTable;
  }
}

// Migration 020 adds the server-administrator flag to users.
declare module './core' {
  interface UsersTable {
    is_admin: Generated<number>;
  }
}
