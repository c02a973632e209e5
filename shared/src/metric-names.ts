/**
 * Metric names users and tools rely on (PRODUCT.md). Units are in the name.
 * Adding a name is fine; renaming one breaks dashboards, rules and exports.
 */
export const METRICS = Object.freeze({
  cpuUsagePercent: 'cpu_usage_percent',
  load1: 'load1',
  load5: 'load5',
  load15: 'load15',
  memoryUsedPercent: 'memory_used_percent',
  memoryAvailableBytes: 'memory_available_bytes',
  memoryTotalBytes: 'memory_total_bytes',
  swapUsedPercent: 'swap_used_percent',
  uptimeSeconds: 'uptime_seconds',
  cpuTemperatureCelsius: 'cpu_temperature_celsius',
  networkReceiveBytesPerSecond: 'network_receive_bytes_per_second',
  networkTransmitBytesPerSecond: 'network_transmit_bytes_per_second',
  diskUsedPercent: 'disk_used_percent',
  diskFreeBytes: 'disk_free_bytes',
  diskTotalBytes: 'disk_total_bytes',
  patchPendingUpdates: 'patch_pending_updates',
  patchPendingSecurityUpdates: 'patch_pending_security_updates',
  patchRebootRequired: 'patch_reboot_required',
  patchLastInstallTimestampSeconds: 'patch_last_install_timestamp_seconds',
  patchLastCheckTimestampSeconds: 'patch_last_check_timestamp_seconds',
  /** Age of the package lists the pending counts were computed from (the agent never refreshes them). */
  patchListAgeSeconds: 'patch_list_age_seconds',
  wifiApUp: 'wifi_ap_up',
  wifiApClients: 'wifi_ap_clients',
  wifiApUptimeSeconds: 'wifi_ap_uptime_seconds',
  wifiRadioClients: 'wifi_radio_clients',
  wifiRadioChannel: 'wifi_radio_channel',
  wifiRadioUtilizationPercent: 'wifi_radio_utilization_percent',
  pingUp: 'ping_up',
  pingRttSeconds: 'ping_rtt_seconds',
  pingLossRatio: 'ping_loss_ratio',
  /** Self-monitoring: one series per agent collector, 1 when its last run succeeded. */
  collectorSuccess: 'hallmonitor_collector_success',
  collectorDurationSeconds: 'hallmonitor_collector_duration_seconds',
} as const);

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** Metric and label names follow Prometheus rules so /metrics export needs no mangling. */
export const METRIC_NAME_PATTERN = '^[a-zA-Z_:][a-zA-Z0-9_:]*$';
/** Label names: no leading underscore (reserved, and keeps `__proto__` out of label maps). */
export const LABEL_NAME_PATTERN = '^[a-zA-Z][a-zA-Z0-9_]*$';
