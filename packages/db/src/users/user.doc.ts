import type { Role, UserStatus } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/** A user account as stored. `emailKey` is the normalised email that uniqueness hangs on. */
export interface UserDoc {
  _id: ObjectId;
  email: string;
  emailKey: string;
  name: string;
  roles: Role[];
  status: UserStatus;
  passwordHash: string | null;
  mustChangePassword: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const usersCollection = defineCollection<UserDoc>('users', [
  { name: 'emailKey_unique', key: { emailKey: 1 }, unique: true },
  { name: 'status_createdAt', key: { status: 1, createdAt: -1 } },
]);
