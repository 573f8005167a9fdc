import { InitialSchema1732406400000 } from './1732406400000-InitialSchema.js';
import { ChatConversations1795527448453 } from './1795527448453-ChatConversations.js';
import { RunSeqReserved1796040000000 } from './1796040000000-RunSeqReserved.js';
import { ClusterOwnership1796500000000 } from './1796500000000-ClusterOwnership.js';

/** Every migration, oldest first, as an explicit list (no globs: works from the sources and from dist/migrations). */
export const MIGRATIONS = [InitialSchema1732406400000, ChatConversations1795527448453, RunSeqReserved1796040000000, ClusterOwnership1796500000000];
