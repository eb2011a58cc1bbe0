// Seed example 12: store an authenticator's credentials in a file (`ipc/store-authenticator`).
// The file is a Java properties file that Venice servers read too. It is written atomically
// (temporary file, fsync, rename) with mode 0600. Like the original it writes ./ipc.cred in the
// current directory; a path given as argument is used instead. Prints nothing, as Java.
import { createAuthenticator } from '../src/index.js';

const ac = await createAuthenticator();
await ac.addCredentials('tf', '3-kio');
await ac.addCredentials('ap', 'zu*67');
await ac.store(process.argv[2] ?? './ipc.cred');
