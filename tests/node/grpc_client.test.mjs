// The client scenario (client_suite.mjs) with @google-cloud/tasks in its default gRPC mode,
// on the same port as REST.
import { clientSuite } from './client_suite.mjs';

clientSuite('grpc');
