import type { AuditLog } from './audit.js';
import type { RevocationWatch } from './revocation-watch.js';
import type { Sessions } from './sessions.js';
import type { Users } from './users.js';
import type { FailureLock, KeyedRateLimiter } from '../security/rate-limit.js';

/** What the security routes need beyond the shared ApiContext. */
export interface SecurityServices {
  readonly users: Users;
  readonly sessions: Sessions;
  readonly audit: AuditLog;
  readonly revocations: RevocationWatch;
  readonly tls: boolean;
  /** Login: attempts per address, and failures per account name (lockout). */
  readonly loginPerIp: KeyedRateLimiter;
  readonly loginFailures: FailureLock;
  /** Enrollment: failed attempts per address. */
  readonly enrollFailures: FailureLock;
}
