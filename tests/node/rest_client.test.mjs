// The client scenario (client_suite.mjs) with @google-cloud/tasks in REST ("fallback") mode.
import { clientSuite } from './client_suite.mjs';

clientSuite('rest');
