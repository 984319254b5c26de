/**
 * Queue names: the one place they exist. Renaming one strands the jobs already in it, so a rename
 * needs a drain plan (run old and new consumers until the old queue is empty).
 */
export const QUEUE_NAMES = {
  roleSync: 'role-sync',
  notifications: 'notifications',
  cleanup: 'cleanup',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];
