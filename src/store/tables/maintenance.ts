/** Leases that let one process at a time run a housekeeping job (migration 085). */
export interface MaintenanceLeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

declare module '../schema' {
  interface DB {
    maintenance_leases: MaintenanceLeasesTable;
  }
}
