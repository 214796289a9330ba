// Generated from the platform's OpenAPI document by `npm run api:types`; do not edit.

export type paths = {
  '/api/agents': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The agents of the agents directory, each with its validation and review counts */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['AgentCatalog'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/agents/{vendor}/{slug}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One agent: its issues, review findings, compiled input/output schemas and approval policy */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          slug: string;
          vendor: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['AgentDetail'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/audit/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Query the audit log, newest first, with cursor pagination (platform admins) */
    get: {
      parameters: {
        query: {
          actorId?: string;
          cursor?: string;
          decision?: 'allow' | 'deny';
          limit: number;
          operation?: string;
          resourceId?: string;
          resourceType?: string;
          since?: string;
          until?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              events: components['schemas']['AuditEvent'][];
              nextCursor: string | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/audit/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Export matching audit events as NDJSON, oldest first (platform admins) */
    get: {
      parameters: {
        query?: {
          actorId?: string;
          decision?: 'allow' | 'deny';
          operation?: string;
          resourceId?: string;
          resourceType?: string;
          since?: string;
          until?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description One AuditEvent JSON object per line */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/x-ndjson': string;
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/audit/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Verify the hash chain of the whole audit log (platform admins) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              brokenAt?: {
                id: string;
                problem: string;
                seq: number;
              };
              checked: number;
              ok: boolean;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Sign in with email and password; sets the session cookie */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: email */
            email: string;
            password: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              csrfToken: string;
              /** Format: date-time */
              expiresAt: string;
              user: components['schemas']['User'];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** End the current session */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/session': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Who is signed in, with roles, memberships and the CSRF token */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              authSource: string;
              /** @description Send as x-csrf-token on cookie-authenticated changes */
              csrfToken: string | null;
              organizations: {
                id: string;
                role: string;
              }[];
              roles: string[];
              teams: {
                id: string;
                organizationId: string;
                role: string;
              }[];
              tokenScopes: string[] | null;
              user: components['schemas']['User'];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/auth/setup': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Whether the instance still needs its first administrator */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              needsSetup: boolean;
            };
          };
        };
      };
    };
    put?: never;
    /** Create the first platform admin with the one-time setup token printed at start */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            displayName: string;
            /** Format: email */
            email: string;
            password: string;
            setupToken: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['User'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extension-operations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The install journal: operations with their stages, newest first */
    get: {
      parameters: {
        query?: {
          /** @description npm package name, e.g. @cinatra/github */
          extension?: string;
          limit?: number;
          status?: 'running' | 'pending_consent' | 'succeeded' | 'failed' | 'rolled_back';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtensionOperation'][];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extension-operations/{operationId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One operation with its stages */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          operationId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtensionOperation'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extension-operations/{operationId}/approve': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Approve the permissions an install or update waits for; it then continues */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          operationId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Must equal the permissions the version requests */
            permissions: string[];
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtensionOperation'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Installed extensions with their state, permissions and contributions */
    get: {
      parameters: {
        query?: {
          /** @description Package name */
          name?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Extension'][];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One extension: state, last error, requested vs granted permissions, contributions */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Extension'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/archive': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Archive: stop it, keep settings, grants and data (refused while dependents need it) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtensionOperation'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/connectors/{connectorId}/setup': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Set a connector up: values checked against its setupSchema (every failing field named); restarts the extension on next use */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description A connector id of its manifest */
          connectorId: string;
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Replaces the stored values; a secret field takes the name of a kernel secret, never the secret */
            values: {
              [key: string]: unknown;
            };
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Extension'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/disable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Disable: stops its process and hides its contributions */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Extension'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/enable': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Enable (verifies the package now; starts on first use or at startup) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Extension'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/grants': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Set the granted permissions (a subset of those the manifest requests) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description e.g. secrets.read:github-token, network:api.github.com */
            permissions: string[];
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Extension'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/logs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The extension's last 200 log lines: its own logs, stdout (info), stderr (warn), refused egress, crashes */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtensionLogs'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/quarantine/reset': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Let a quarantined extension run again */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Extension'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/reload': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Stop its process; it is verified again and restarted on next use */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Extension'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/restore': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Restore an archived extension (enabled, verified again) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtensionOperation'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/settings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Set settings values (null resets one to its default); restarts it on next use */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            values: {
              [key: string]: (string | number | boolean) | null;
            };
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Extension'];
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/uninstall': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Remove the code; keep or delete the data (refused while dependents need it, naming them) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            data: 'keep' | 'delete';
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtensionOperation'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/{extensionId}/update': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Update to a version (range) or the latest; held for consent when it asks for more */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          extensionId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Approvals for dependencies installed first */
            approveDependencies?: {
              [key: string]: string[];
            };
            /** @description Must equal the permissions the version requests */
            approvePermissions?: string[];
            /** @description Uploaded packages of dependencies not yet installed */
            dependencies?: {
              /** @description Its Sigstore bundle (JSON) */
              bundle: {
                [key: string]: unknown;
              };
              /**
               * Format: byte
               * @description The npm-style .tgz, base64
               */
              tarball: string;
            }[];
            package?: {
              /** @description Its Sigstore bundle (JSON) */
              bundle: {
                [key: string]: unknown;
              };
              /**
               * Format: byte
               * @description The npm-style .tgz, base64
               */
              tarball: string;
            };
            /** @description semver range, exact version or latest (default) */
            range?: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtensionOperation'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/github/releases': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A GitHub repository's releases and what each would install */
    get: {
      parameters: {
        query: {
          tokenSecretId?: string;
          /** @description https://github.com/<owner>/<repo> (or the GitHub Enterprise host of github.apiUrl) */
          url: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['GitHubRelease'][];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/install': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Install an extension (and the dependencies it needs) through the journaled pipeline */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Approvals for dependencies installed first */
            approveDependencies?: {
              [key: string]: string[];
            };
            /** @description Must equal the permissions the version requests */
            approvePermissions?: string[];
            /** @description Uploaded packages of dependencies not yet installed */
            dependencies?: {
              /** @description Its Sigstore bundle (JSON) */
              bundle: {
                [key: string]: unknown;
              };
              /**
               * Format: byte
               * @description The npm-style .tgz, base64
               */
              tarball: string;
            }[];
            /** @description npm package name, e.g. @cinatra/github */
            name?: string;
            package?: {
              /** @description Its Sigstore bundle (JSON) */
              bundle: {
                [key: string]: unknown;
              };
              /**
               * Format: byte
               * @description The npm-style .tgz, base64
               */
              tarball: string;
            };
            /** @description semver range, exact version or latest (default) */
            range?: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtensionOperation'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/extensions/install/github': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Install an extension from a GitHub release (asset tarball or source tarball, signed) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Must equal the permissions the version requests */
            approvePermissions?: string[];
            /** @description Release tag (default: the latest release) */
            tag?: string;
            /** @description A workspace secret holding a GitHub token, revealed by the calling admin (needs a grant) */
            tokenSecretId?: string | null;
            /** @description https://github.com/<owner>/<repo> (or the GitHub Enterprise host of github.apiUrl) */
            url: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtensionOperation'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/instance': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Version, public and MCP URLs and the agents directory of this instance */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Instance'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/llm/budgets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Organizations' LLM spending limits with their current spend */
    get: {
      parameters: {
        query?: {
          /** @description One organization's (its admins may ask) */
          organizationId?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              budgets: components['schemas']['LlmBudget'][];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/llm/budgets/{organizationId}/{period}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /**
     * Set an organization's daily or monthly LLM budget (platform admins)
     * @description Once the spend of the period reaches the limit, calls billed to the organization are refused with 402 llm_budget_exceeded until the period ends or the limit is raised.
     */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
          /** @description day: since midnight UTC; month: since the first of the month (UTC) */
          period: 'day' | 'month';
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description USD */
            limitUsd: number;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['LlmBudget'];
          };
        };
      };
    };
    post?: never;
    /** Remove an organization's daily or monthly LLM budget (platform admins) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
          /** @description day: since midnight UTC; month: since the first of the month (UTC) */
          period: 'day' | 'month';
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Done */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/llm/generate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Call a model through the orchestration, as yourself (test a provider, script a call)
     * @description Provider and model: this call’s, else the agent’s preference, else the instance default. Billed, budgeted, retried, metered and given skills and MCP tools like every call.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description The agent the call is made for: its preference, skills and usage key */
            agent?: {
              /** @description e.g. @acme/research-brief */
              id: string;
              preferred?: {
                /** @description e.g. gpt-5.4 */
                model?: string;
                /** @description e.g. openai */
                provider?: string;
              };
              tags?: string[];
            };
            /** @description false: none; default the instance's */
            fallback?:
              | {
                  /** @description e.g. gpt-5.4 */
                  model: string;
                  /** @description e.g. openai */
                  provider: string;
                }
              | false;
            maxOutputTokens?: number;
            maxToolRounds?: number;
            /** @description MCP tools the model may call (run as you): true for all you may call, or their names */
            mcpTools?: boolean | string[];
            messages: (
              | {
                  content: string;
                  /** @enum {string} */
                  role: 'system';
                }
              | {
                  content: string;
                  /** @enum {string} */
                  role: 'user';
                }
              | {
                  content: string;
                  /** @enum {string} */
                  role: 'assistant';
                  toolCalls?: {
                    arguments: {
                      [key: string]: unknown;
                    };
                    id: string;
                    /** @description MCP name for MCP tools, else the function name */
                    name: string;
                  }[];
                }
              | {
                  content: string;
                  isError?: boolean;
                  name: string;
                  /** @enum {string} */
                  role: 'tool';
                  toolCallId: string;
                }
            )[];
            /** @description e.g. gpt-5.4 */
            model?: string;
            /**
             * Format: uuid
             * @description Who pays; default the caller's only organization
             */
            organizationId?: string;
            /** @description e.g. openai */
            provider?: string;
            responseFormat?: {
              name: string;
              /** @description JSON Schema of the answer */
              schema: {
                [key: string]: unknown;
              };
              /** @enum {string} */
              type: 'json_schema';
            };
            /**
             * @description false: inject no skills
             * @enum {boolean}
             */
            skills?: false;
            /** @description Answer with Server-Sent Events (as does Accept: text/event-stream) */
            stream?: boolean;
            /** @description Instructions; matched skills are appended */
            system?: string;
            temperature?: number;
            /** @description Total, all attempts */
            timeoutMs?: number;
            toolChoice?:
              | 'auto'
              | 'none'
              | 'required'
              | {
                  name: string;
                };
            /** @description Your own functions: calls to them are returned, not run */
            tools?: {
              description: string;
              inputSchema: {
                /** @enum {string} */
                type: 'object';
              } & {
                [key: string]: unknown;
              };
              name: string;
            }[];
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description The result (application/json), or with stream: true or Accept: text/event-stream the call as Server-Sent Events: one event per LlmCallStreamEvent (text-delta, tool-call, tool-result, retry) named by its type, then done with the result; a failure after the stream began is an error event carrying the problem details. A generation cannot be resumed. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['LlmCallResult'];
            'text/event-stream': string;
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/llm/prices': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** What models cost, in USD per million tokens */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              prices: components['schemas']['LlmModelPrice'][];
            };
          };
        };
      };
    };
    /**
     * Set a model's price (platform admins); calls metered from then on cost it
     * @description Provider and model are in the body, since model ids may contain slashes. Model * prices every model of the provider without its own row.
     */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            cachedInputPerMTok?: number | null;
            /** @description USD per million tokens */
            inputPerMTok: number;
            /** @description A model id, or * for every model of the provider without its own row */
            model: string;
            /** @description USD per million tokens */
            outputPerMTok: number;
            /** @description e.g. openai */
            provider: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['LlmModelPrice'];
          };
        };
      };
    };
    post?: never;
    /** Remove a model's price (platform admins); its calls then cost the provider's * price, or 0 */
    delete: {
      parameters: {
        query: {
          model: string | '*';
          /** @description e.g. openai */
          provider: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Done */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/llm/providers': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The LLM providers enabled extensions serve, with their declared models */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              providers: components['schemas']['LlmProvider'][];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/llm/settings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The default and fallback provider and model, retry policy, timeouts and skill judge */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['LlmSettings'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /** Change the LLM settings (platform admins); calls made from then on use them */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      /** @description Omitted fields stay; null clears a target */
      requestBody: {
        content: {
          'application/json': {
            attemptTimeoutMs?: number;
            /** @description Provider and model of calls that name none and whose agent prefers none */
            defaultTarget?: {
              /** @description e.g. gpt-5.4 */
              model: string;
              /** @description e.g. openai */
              provider: string;
            } | null;
            /** @description Used once the chosen target keeps failing with a retryable error */
            fallback?: {
              /** @description e.g. gpt-5.4 */
              model: string;
              /** @description e.g. openai */
              provider: string;
            } | null;
            maxAttempts?: number;
            /** @description The model choosing the skills that ask for `llm` */
            skillJudge?: {
              /** @description e.g. gpt-5.4 */
              model: string;
              /** @description e.g. openai */
              provider: string;
            } | null;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['LlmSettings'];
          };
        };
      };
    };
    trace?: never;
  };
  '/api/llm/usage/summary': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * LLM calls, tokens, errors and cost by provider, model, agent or day
     * @description The instance's usage needs a platform admin; an organization's (organizationId) its admins. Calls count every vendor request, retries and failures included.
     */
    get: {
      parameters: {
        query: {
          /** @description Inclusive start (a date is midnight UTC); default 30 days before to */
          from?: string;
          /** @description Group key: provider; provider/model; agent id (null: no agent); UTC day YYYY-MM-DD */
          groupBy: 'provider' | 'model' | 'agent' | 'day';
          /** @description Only calls billed to this organization (its admins may ask); omitted: the instance's */
          organizationId?: string;
          /** @description Exclusive end; default now */
          to?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['LlmUsageSummary'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/notifications': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Your notifications, newest first, with cursor pagination */
    get: {
      parameters: {
        query: {
          cursor?: string;
          limit: number;
          unreadOnly: boolean;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Open the stream with lastEventId set to this to miss nothing changed since */
              changeSeq: number;
              nextCursor: string | null;
              notifications: {
                body: string | null;
                /** @description Changes on every update; the stream event id */
                changeSeq: number;
                /** Format: date-time */
                createdAt: string;
                dedupeKey: string | null;
                /** Format: uuid */
                id: string;
                /** @description True while the thing it reports is still running */
                inProgress: boolean;
                level: 'info' | 'success' | 'warning' | 'error';
                link: string | null;
                read: boolean;
                title: string;
                /** Format: date-time */
                updatedAt: string;
                /** Format: uuid */
                userId: string;
              }[];
              /** @description All unread notifications, not only this page */
              unreadCount: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/notifications/read': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Mark some or all of your notifications read */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json':
            | {
                ids: string[];
              }
            | {
                /** @enum {boolean} */
                all: true;
              };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description How many were unread and are now read (ids of others’ notifications count 0) */
              count: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/notifications/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Your notifications live (Server-Sent Events): each new or changed notification as a `notification` event
     * @description Without Last-Event-ID only changes from now on are sent; resume with the last event id, or start from the `changeSeq` of GET /api/notifications.
     */
    get: {
      parameters: {
        query?: {
          /** @description For clients that cannot send the Last-Event-ID header */
          lastEventId?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Server-Sent Events: every frame has an `id:`; reconnect with `Last-Event-ID` to resume. */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': string;
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/organizations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Organizations you belong to (all of them for platform admins) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Organization'][];
          };
        };
      };
    };
    put?: never;
    /** Create an organization; the caller (or ownerId) becomes org_owner */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            /** Format: uuid */
            ownerId?: string;
            /** @description lowercase letters, digits and hyphens */
            slug: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Organization'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/organizations/{organizationId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read an organization */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Organization'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete an organization with its teams (org owners) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Rename an organization (org admins) */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Organization'];
          };
        };
      };
    };
    trace?: never;
  };
  '/api/organizations/{organizationId}/members': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List organization members */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['OrganizationMember'][];
          };
        };
      };
    };
    put?: never;
    /** Add an existing user, found by email, as a member (org admins) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: email */
            email: string;
            role: 'org_owner' | 'org_admin' | 'member';
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['OrganizationMember'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/organizations/{organizationId}/members/{userId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Add a member or change their role (org admins) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
          userId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            role: 'org_owner' | 'org_admin' | 'member';
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['OrganizationMember'];
          };
        };
      };
    };
    post?: never;
    /** Remove a member from the organization and its teams */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
          userId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/organizations/{organizationId}/teams': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Teams of an organization visible to you */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Team'][];
          };
        };
      };
    };
    put?: never;
    /** Create a team (org admins) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          organizationId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            /** @description lowercase letters, digits and hyphens */
            slug: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Team'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/primitives': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The primitives the caller may call, with their input and output schemas */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              primitives: components['schemas']['Primitive'][];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/primitives/call': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Call a primitive by name with its input */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description Matches the primitive’s input schema (default {}) */
            input?: {
              [key: string]: unknown;
            };
            /** @description e.g. marketplace.search */
            name: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Matches its output schema */
              output: {
                [key: string]: unknown;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/registry/demotions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Make a public version private again: always refused (409), promotion is one-way */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            /** @description An exact version */
            version: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/registry/destinations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Publish destinations: the public registry this instance promotes to (null when unset) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              public: {
                tokenSecretId: string | null;
                /** Format: date-time */
                updatedAt: string;
                updatedBy: string | null;
                url: string;
              } | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/registry/destinations/public': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Set the public registry: its URL and the workspace secret holding its token */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            tokenSecretId: string | null;
            url: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tokenSecretId: string | null;
              /** Format: date-time */
              updatedAt: string;
              updatedBy: string | null;
              url: string;
            };
          };
        };
      };
    };
    post?: never;
    /** Clear the public registry (promotions already made stay public) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/registry/packages': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Search or list the catalogue: the instance registry (private) and the public registry */
    get: {
      parameters: {
        query?: {
          name?: string;
          /** @description npm search text; empty lists all */
          q?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              packages: {
                description: string | null;
                displayName: string | null;
                kinds: string[];
                latest: string;
                name: string;
                permissions: string[];
                promotedVersions: string[];
                publisher: string | null;
                signature: {
                  detail: string | null;
                  keyId: string | null;
                  status: 'verified' | 'unsigned' | 'untrusted' | 'revoked' | 'invalid' | 'unavailable';
                };
                source: 'instance' | 'public';
                tier: ('first-party' | 'partner' | 'community' | 'private') | null;
                versions: string[];
                visibility: 'private' | 'public';
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/registry/promotions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Versions this instance promoted to the public registry */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              promotions: {
                destinationUrl: string;
                integrity: string;
                name: string;
                /** Format: date-time */
                promotedAt: string;
                promotedBy: string | null;
                version: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** Promote a private package version to the public registry (one-way; exact bytes and signature) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            /** @description An exact version */
            version: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              destinationUrl: string;
              integrity: string;
              name: string;
              /** Format: date-time */
              promotedAt: string;
              promotedBy: string | null;
              version: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/secrets': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Secrets whose owner scope you can read (metadata only), optionally of one owner */
    get: {
      parameters: {
        query?: {
          ownerId?: string;
          ownerTier?: 'user' | 'team' | 'organization' | 'workspace';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              createdAt: string;
              createdBy: string | null;
              /** Format: uuid */
              id: string;
              name: string;
              owner:
                | {
                    /** @enum {string} */
                    tier: 'user';
                    /** Format: uuid */
                    userId: string;
                  }
                | {
                    /** Format: uuid */
                    organizationId: string;
                    /** Format: uuid */
                    teamId: string;
                    /** @enum {string} */
                    tier: 'team';
                  }
                | {
                    /** Format: uuid */
                    organizationId: string;
                    /** @enum {string} */
                    tier: 'organization';
                  }
                | {
                    /** @enum {string} */
                    tier: 'workspace';
                  };
              /** Format: date-time */
              updatedAt: string;
              /** @description Starts at 1; each value replacement adds one */
              version: number;
            }[];
          };
        };
      };
    };
    put?: never;
    /** Store a secret; the value is encrypted and never returned by the API */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description letters, digits, dots, dashes and underscores; unique per owner */
            name: string;
            owner: {
              /**
               * Format: uuid
               * @description user, team or organization id; none for workspace
               */
              id?: string;
              tier: 'user' | 'team' | 'organization' | 'workspace';
            };
            value: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              createdAt: string;
              createdBy: string | null;
              /** Format: uuid */
              id: string;
              name: string;
              owner:
                | {
                    /** @enum {string} */
                    tier: 'user';
                    /** Format: uuid */
                    userId: string;
                  }
                | {
                    /** Format: uuid */
                    organizationId: string;
                    /** Format: uuid */
                    teamId: string;
                    /** @enum {string} */
                    tier: 'team';
                  }
                | {
                    /** Format: uuid */
                    organizationId: string;
                    /** @enum {string} */
                    tier: 'organization';
                  }
                | {
                    /** @enum {string} */
                    tier: 'workspace';
                  };
              /** Format: date-time */
              updatedAt: string;
              /** @description Starts at 1; each value replacement adds one */
              version: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/secrets/{secretId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read a secret's metadata */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          secretId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              createdAt: string;
              createdBy: string | null;
              /** Format: uuid */
              id: string;
              name: string;
              owner:
                | {
                    /** @enum {string} */
                    tier: 'user';
                    /** Format: uuid */
                    userId: string;
                  }
                | {
                    /** Format: uuid */
                    organizationId: string;
                    /** Format: uuid */
                    teamId: string;
                    /** @enum {string} */
                    tier: 'team';
                  }
                | {
                    /** Format: uuid */
                    organizationId: string;
                    /** @enum {string} */
                    tier: 'organization';
                  }
                | {
                    /** @enum {string} */
                    tier: 'workspace';
                  };
              /** Format: date-time */
              updatedAt: string;
              /** @description Starts at 1; each value replacement adds one */
              version: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a secret and its grants */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          secretId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/secrets/{secretId}/grants': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Principals allowed to reveal the secret */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          secretId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              createdAt: string;
              grantedBy: string | null;
              /** @description user or service account id, or extension package name */
              granteeId: string;
              granteeType: 'user' | 'service_account' | 'extension';
              /** Format: uuid */
              secretId: string;
            }[];
          };
        };
      };
    };
    put?: never;
    /** Let a user or service account reveal the secret (admins of the secret) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          secretId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** Format: uuid */
            granteeId: string;
            granteeType: 'user' | 'service_account';
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              createdAt: string;
              grantedBy: string | null;
              /** @description user or service account id, or extension package name */
              granteeId: string;
              granteeType: 'user' | 'service_account' | 'extension';
              /** Format: uuid */
              secretId: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/secrets/{secretId}/grants/{granteeType}/{granteeId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke a grant */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          granteeId: string;
          granteeType: 'user' | 'service_account';
          secretId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/secrets/{secretId}/value': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Replace a secret's value (its version goes up by one) */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          secretId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            value: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              createdAt: string;
              createdBy: string | null;
              /** Format: uuid */
              id: string;
              name: string;
              owner:
                | {
                    /** @enum {string} */
                    tier: 'user';
                    /** Format: uuid */
                    userId: string;
                  }
                | {
                    /** Format: uuid */
                    organizationId: string;
                    /** Format: uuid */
                    teamId: string;
                    /** @enum {string} */
                    tier: 'team';
                  }
                | {
                    /** Format: uuid */
                    organizationId: string;
                    /** @enum {string} */
                    tier: 'organization';
                  }
                | {
                    /** @enum {string} */
                    tier: 'workspace';
                  };
              /** Format: date-time */
              updatedAt: string;
              /** @description Starts at 1; each value replacement adds one */
              version: number;
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/skills': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The skills, where each comes from and when it applies, and the files that did not load */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Skill files that did not load (skipped): of the skills directory or of an extension */
              problems: components['schemas']['SkillProblem'][];
              skills: components['schemas']['Skill'][];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/skills/reload': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Read the skills directory and the enabled extensions' skills again (platform admins) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @description Skill files that did not load (skipped): of the skills directory or of an extension */
              problems: components['schemas']['SkillProblem'][];
              skills: components['schemas']['Skill'][];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/teams/{teamId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read a team (members and org admins) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          teamId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Team'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /** Delete a team (org admins) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          teamId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    /** Rename a team (team admins, org admins) */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          teamId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Team'];
          };
        };
      };
    };
    trace?: never;
  };
  '/api/teams/{teamId}/members': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List team members */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          teamId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['TeamMember'][];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/teams/{teamId}/members/{userId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Add an organization member to the team or change their role */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          teamId: string;
          userId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            role: 'team_admin' | 'member';
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['TeamMember'];
          };
        };
      };
    };
    post?: never;
    /** Remove a member from the team */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          teamId: string;
          userId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/tokens': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List API tokens (yours, or a given user's as platform admin) */
    get: {
      parameters: {
        query?: {
          userId?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ApiToken'][];
          };
        };
      };
    };
    put?: never;
    /** Create an API token; the secret is in the response once and never again */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            expiresAt?: string | null;
            name: string;
            /** @description "*", "<resource_type>:*", "<resource_type>:<read|write|admin|owner>", or one action: "<resource_type>:<action>[:<resource id>[/<part>]]" (e.g. "extension:call_tool:@acme/crm/create_issue") */
            scopes: string[];
            /** Format: uuid */
            userId?: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              apiToken: components['schemas']['ApiToken'];
              token: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/tokens/{tokenId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke an API token (it is kept, marked revoked) */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          tokenId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ApiToken'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trust': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Trusted publisher keys (revoked ones included) and revoked extension versions */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              keys: {
                /** Format: date-time */
                addedAt: string;
                addedBy: string | null;
                /** @description sha256:<hex> of the SPKI DER public key (printed by `cinatra-ext keygen`) */
                keyId: string;
                publicKeyPem: string;
                publisher: string;
                revokedAt: string | null;
                revokedBy: string | null;
                revokedReason: string | null;
                /** @description How far this instance trusts the publisher; `private` is the operator's own key */
                tier: 'first-party' | 'partner' | 'community' | 'private';
              }[];
              revokedVersions: {
                name: string;
                reason: string;
                /** Format: date-time */
                revokedAt: string;
                revokedBy: string | null;
                version: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trust/key-revocations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Revoke a key: nothing it signed installs or loads any more */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @description sha256:<hex> of the SPKI DER public key (printed by `cinatra-ext keygen`) */
            keyId: string;
            reason: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              addedAt: string;
              addedBy: string | null;
              /** @description sha256:<hex> of the SPKI DER public key (printed by `cinatra-ext keygen`) */
              keyId: string;
              publicKeyPem: string;
              publisher: string;
              revokedAt: string | null;
              revokedBy: string | null;
              revokedReason: string | null;
              /** @description How far this instance trusts the publisher; `private` is the operator's own key */
              tier: 'first-party' | 'partner' | 'community' | 'private';
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trust/keys': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Trust a publisher's signing key (ECDSA P-256 public key PEM) at a tier */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            publicKeyPem: string;
            /** @description The publisher id manifests name */
            publisher: string;
            /** @description How far this instance trusts the publisher; `private` is the operator's own key */
            tier: 'first-party' | 'partner' | 'community' | 'private';
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** Format: date-time */
              addedAt: string;
              addedBy: string | null;
              /** @description sha256:<hex> of the SPKI DER public key (printed by `cinatra-ext keygen`) */
              keyId: string;
              publicKeyPem: string;
              publisher: string;
              revokedAt: string | null;
              revokedBy: string | null;
              revokedReason: string | null;
              /** @description How far this instance trusts the publisher; `private` is the operator's own key */
              tier: 'first-party' | 'partner' | 'community' | 'private';
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/trust/version-revocations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Revoke one version of an extension package: it never installs or loads again */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            reason: string;
            version: string;
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              name: string;
              reason: string;
              /** Format: date-time */
              revokedAt: string;
              revokedBy: string | null;
              version: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List all users (platform admins) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['User'][];
          };
        };
      };
    };
    put?: never;
    /** Create a user or service account (platform admins) */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            displayName: string;
            /** Format: email */
            email: string;
            kind?: 'human' | 'service_account';
            password?: string;
            platformRole?: 'platform_admin' | 'member';
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['User'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/users/{userId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read a user (yourself, or anyone as platform admin) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          userId: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['User'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /** Change a user; role and disabling are for platform admins */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          userId: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            disabled?: boolean;
            displayName?: string;
            password?: string;
            platformRole?: 'platform_admin' | 'member';
          };
        };
      };
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['User'];
          };
        };
      };
    };
    trace?: never;
  };
  '/healthz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness: the process is up */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              status: 'ok';
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/readyz': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: the database answers */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Problem details (RFC 9457) */
        '4XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Problem details (RFC 9457) */
        '5XX': {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/problem+json': components['schemas']['Problem'];
          };
        };
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              /** @enum {string} */
              database: 'ok';
              /** @enum {string} */
              status: 'ready';
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
};
export type webhooks = Record<string, never>;
export type components = {
  schemas: {
    /** AgentCatalog */
    AgentCatalog: {
      /** @description Sorted by vendor, then slug */
      agents: components['schemas']['AgentSummary'][];
      /** @description The agent install directory (agents.dir), absolute */
      dir: string;
      /** @description What could not be read at all (a missing directory, an unreadable file) */
      problems: {
        message: string;
        /** @description Relative to dir ("." for dir itself) */
        path: string;
      }[];
    };
    /** AgentDetail */
    AgentDetail: {
      agentSpecVersion: string | null;
      /** @description Where a run stops for a person ({ steps: [...] }, as the compiler derives it); null when it does not compile */
      approvalPolicy: unknown;
      description: string | null;
      /** @description Review findings: blockers, then warnings, then advisories */
      findings: {
        /** @description Stable, e.g. literal_credential, untrusted_external_url */
        code: string;
        /** @description Relative to the package directory */
        file: string;
        level: 'blocker' | 'warning' | 'advisory';
        message: string;
        path: string | null;
      }[];
      inputSchema: {
        [key: string]: unknown;
      } | null;
      /** @description The document's errors (by path), package.json's, compile errors, then warnings */
      issues: {
        /** @description Stable, e.g. unreachable_node, package_name_mismatch */
        code: string;
        /** @description Relative to the package directory: the Agent Spec file or package.json */
        file: string;
        message: string;
        path: string | null;
        severity: 'error' | 'warning';
      }[];
      /** @description The root Flow's name (the slug when the document does not load) */
      name: string;
      outputSchema: {
        [key: string]: unknown;
      } | null;
      packageName: string | null;
      packageVersion: string | null;
      /** @description The Agent Spec file, relative to the agents directory (e.g. cinatra/x/cinatra/oas.json) */
      path: string;
      /** @description What the review lint (advisory mode, no external hosts allowed) finds */
      review: {
        advisories: number;
        blockers: number;
        warnings: number;
      };
      /** @description The package directory */
      slug: string;
      /** @description What validate, the package layout check and compile say */
      validation: {
        /** @description Agent Spec, package layout and compile errors */
        errors: number;
        /** @description No errors: the platform can run it */
        valid: boolean;
        /** @description e.g. a legacy agent.json file name */
        warnings: number;
      };
      /** @description The directory the package sits in (cinatra for first-party agents) */
      vendor: string;
    };
    /** AgentSummary */
    AgentSummary: {
      agentSpecVersion: string | null;
      description: string | null;
      /** @description The root Flow's name (the slug when the document does not load) */
      name: string;
      packageName: string | null;
      packageVersion: string | null;
      /** @description The Agent Spec file, relative to the agents directory (e.g. cinatra/x/cinatra/oas.json) */
      path: string;
      /** @description What the review lint (advisory mode, no external hosts allowed) finds */
      review: {
        advisories: number;
        blockers: number;
        warnings: number;
      };
      /** @description The package directory */
      slug: string;
      /** @description What validate, the package layout check and compile say */
      validation: {
        /** @description Agent Spec, package layout and compile errors */
        errors: number;
        /** @description No errors: the platform can run it */
        valid: boolean;
        /** @description e.g. a legacy agent.json file name */
        warnings: number;
      };
      /** @description The directory the package sits in (cinatra for first-party agents) */
      vendor: string;
    };
    /** ApiToken */
    ApiToken: {
      /** Format: date-time */
      createdAt: string;
      expiresAt: string | null;
      /** Format: uuid */
      id: string;
      lastUsedAt: string | null;
      name: string;
      /** @description First characters of the token, to recognise it */
      prefix: string;
      revokedAt: string | null;
      scopes: string[];
      /** Format: uuid */
      userId: string;
    };
    /** AuditEvent */
    AuditEvent: {
      actorId: string | null;
      actorType: string;
      authSource: string;
      decision: 'allow' | 'deny' | null;
      hash: string;
      /** Format: uuid */
      id: string;
      ip: string | null;
      metadata: {
        [key: string]: unknown;
      };
      /** Format: date-time */
      occurredAt: string;
      operation: string;
      organizationId: string | null;
      prevHash: string;
      reason: string | null;
      requestId: string | null;
      resourceId: string | null;
      resourceType: string;
      seq: number;
    };
    /** Extension */
    Extension: {
      activationEvents: string[];
      contributions: {
        connectors: {
          description?: string;
          displayName: string;
          id: string;
          setup: {
            [key: string]: unknown;
          } | null;
          setupSchema: {
            [key: string]: unknown;
          } | null;
        }[];
        dashboardWidgets: {
          description?: string;
          displayName: string;
          id: string;
        }[];
        llmProviders: {
          description?: string;
          displayName: string;
          /** @description Provider id the orchestrator selects, e.g. openai */
          id: string;
          /** @description Declared model ids; empty: any */
          models: string[];
        }[];
        mcpTools: {
          description: string;
          inputSchema: {
            [key: string]: unknown;
          };
          name: string;
          title?: string;
        }[];
        renderers: {
          description?: string;
          displayName: string;
          id: string;
          /** @description Media types the renderer shows */
          mimeTypes: string[];
        }[];
        skills: {
          description?: string;
          displayName: string;
          /** @description Skill name in the catalogue */
          id: string;
        }[];
      };
      displayName: string;
      enabled: boolean;
      /** @description What a platform admin approved */
      grantedPermissions: string[];
      /** Format: uuid */
      id: string;
      /** Format: date-time */
      installedAt: string;
      lastError: {
        /** Format: date-time */
        at: string;
        /** @description e.g. file_modified, unknown_key, manifest_invalid, memory_limit */
        code: string;
        message: string;
        path: string | null;
      } | null;
      /** @description npm package name, e.g. @cinatra/github */
      name: string;
      /** @description Process id while it runs */
      pid: number | null;
      publisher: string | null;
      quarantinedAt: string | null;
      /** @description Crashes in the last 5 minutes (3 quarantine it) */
      recentCrashes: number;
      /** @description What the manifest asks for */
      requestedPermissions: string[];
      settings: {
        [key: string]: string | number | boolean;
      };
      /** @description JSON Schema of the manifest's settings (PUT …/settings takes values for these keys) */
      settingsSchema: {
        /** @enum {boolean} */
        additionalProperties: false;
        properties: {
          [key: string]: {
            default?: string | number | boolean;
            description: string;
            /** @enum {string} */
            format?: 'uri';
            type: 'string' | 'number' | 'boolean';
            /**
             * @description The value is the name of a kernel secret, not the secret
             * @enum {boolean}
             */
            'x-cinatra-secret'?: true;
          };
        };
        /** @enum {string} */
        type: 'object';
      };
      /** @description Who signed the installed version; read without starting it (every load verifies) */
      signature: {
        keyId: string | null;
        publisher: string | null;
        /** @description verified: signed by a key the trust store trusts, no load failed verification since; failed: the last load failed verification, or the key or version is revoked or the key unknown (the next load is refused); unknown: no readable signature bundle */
        status: 'verified' | 'failed' | 'unknown';
        tier: ('first-party' | 'partner' | 'community' | 'private') | null;
      };
      state: 'installed' | 'active' | 'inactive' | 'disabled' | 'quarantined' | 'failed' | 'archived';
      tier: ('first-party' | 'partner' | 'community' | 'private') | null;
      /** Format: date-time */
      updatedAt: string;
      version: string;
    };
    /** ExtensionLogs */
    ExtensionLogs: {
      /** @description Oldest first; at most the last 200 */
      lines: {
        /** Format: date-time */
        at: string;
        level: 'debug' | 'info' | 'warn' | 'error';
        message: string;
      }[];
    };
    /** ExtensionOperation */
    ExtensionOperation: {
      actorId: string | null;
      /** @description Requested now, not by the version it replaces */
      addedPermissions: string[];
      /** Format: date-time */
      createdAt: string;
      error: {
        code: string;
        message: string;
      } | null;
      extension: string;
      finishedAt: string | null;
      fromVersion: string | null;
      /** Format: uuid */
      id: string;
      kind: 'install' | 'update' | 'archive' | 'restore' | 'uninstall';
      requestedPermissions: string[];
      source: string | null;
      stage:
        | 'resolve'
        | 'fetch'
        | 'verify'
        | 'unpack'
        | 'check'
        | 'consent'
        | 'persist'
        | 'activate'
        | 'commit'
        | 'health'
        | 'stop'
        | 'cleanup'
        | 'rollback'
        | 'recovery';
      stages: {
        error: {
          code: string;
          message: string;
        } | null;
        finishedAt: string | null;
        stage:
          | 'resolve'
          | 'fetch'
          | 'verify'
          | 'unpack'
          | 'check'
          | 'consent'
          | 'persist'
          | 'activate'
          | 'commit'
          | 'health'
          | 'stop'
          | 'cleanup'
          | 'rollback'
          | 'recovery';
        /** Format: date-time */
        startedAt: string;
        status: 'started' | 'succeeded' | 'failed' | 'rolled_back' | 'recovered';
      }[];
      status: 'running' | 'pending_consent' | 'succeeded' | 'failed' | 'rolled_back';
      toVersion: string | null;
      /** Format: date-time */
      updatedAt: string;
    };
    /** GitHubRelease */
    GitHubRelease: {
      bundleAsset: string | null;
      draft: boolean;
      installable: boolean;
      name: string | null;
      /** @description The .tgz asset installed; null: the source tarball is (the repository is the package) */
      packageAsset: {
        name: string;
        size: number;
      } | null;
      prerelease: boolean;
      publishedAt: string | null;
      /** @description Why it cannot be installed */
      reason: string | null;
      tag: string;
    };
    /** Instance */
    Instance: {
      /** @description The agent install directory (agents.dir), absolute */
      agentsDir: string;
      /** @description The MCP endpoint: publicUrl + /mcp */
      mcpUrl: string;
      /** @description Base URL clients reach the instance at: server.publicUrl when configured, else derived from this request (its protocol and Host header) */
      publicUrl: string;
      /** @description Version of the platform (the @cinatra/host package) */
      version: string;
    };
    /** LlmBudget */
    LlmBudget: {
      limitUsd: number;
      /** Format: uuid */
      organizationId: string;
      /** @description day: since midnight UTC; month: since the first of the month (UTC) */
      period: 'day' | 'month';
      /** Format: date-time */
      periodStart: string;
      /** @description Cost of the organization's calls since periodStart */
      spentUsd: number;
      /** Format: date-time */
      updatedAt: string;
      updatedBy: string | null;
    };
    /** LlmCallResult */
    LlmCallResult: {
      /** @description Vendor requests made, retries and fallback included */
      attempts: number;
      costUsd: number;
      finishReason: string;
      /** @description The conversation as it ended */
      messages: (
        | {
            content: string;
            /** @enum {string} */
            role: 'system';
          }
        | {
            content: string;
            /** @enum {string} */
            role: 'user';
          }
        | {
            content: string;
            /** @enum {string} */
            role: 'assistant';
            toolCalls?: {
              arguments: {
                [key: string]: unknown;
              };
              id: string;
              /** @description MCP name for MCP tools, else the function name */
              name: string;
            }[];
          }
        | {
            content: string;
            isError?: boolean;
            name: string;
            /** @enum {string} */
            role: 'tool';
            toolCallId: string;
          }
      )[];
      /** @description As the vendor reported it */
      model: string;
      provider: string;
      responseId?: string;
      skills: string[];
      /** @description The parsed answer, with responseFormat */
      structured?: unknown;
      text: string;
      /** @description Calls to your own tools, for you to answer */
      toolCalls: {
        arguments: {
          [key: string]: unknown;
        };
        id: string;
        /** @description MCP name for MCP tools, else the function name */
        name: string;
      }[];
      toolRounds: {
        calls: {
          arguments: {
            [key: string]: unknown;
          };
          id: string;
          /** @description MCP name for MCP tools, else the function name */
          name: string;
        }[];
        results: {
          isError: boolean;
          toolCallId: string;
        }[];
      }[];
      totalUsage: {
        cachedInputTokens: number;
        inputTokens: number;
        outputTokens: number;
        reasoningTokens: number;
      };
      traceId: string;
      usage: {
        cachedInputTokens: number;
        inputTokens: number;
        outputTokens: number;
        reasoningTokens: number;
      };
      usageEventIds: string[];
    };
    /** LlmModelPrice */
    LlmModelPrice: {
      cachedInputPerMTok: number | null;
      inputPerMTok: number;
      /** @description A model id, or * for every model of the provider without its own row */
      model: string;
      /** @description Output tokens, reasoning included */
      outputPerMTok: number;
      provider: string;
      source: 'builtin' | 'admin';
      /** Format: date-time */
      updatedAt: string;
      updatedBy: string | null;
    };
    /** LlmProvider */
    LlmProvider: {
      displayName: string;
      extension: string | null;
      id: string;
      /** @description Declared model ids; empty when it accepts any */
      models: string[];
    };
    /** LlmSettings */
    LlmSettings: {
      /** @description Time one vendor request may take */
      attemptTimeoutMs: number;
      defaultTarget: {
        /** @description e.g. gpt-5.4 */
        model: string;
        /** @description e.g. openai */
        provider: string;
      } | null;
      fallback: {
        /** @description e.g. gpt-5.4 */
        model: string;
        /** @description e.g. openai */
        provider: string;
      } | null;
      /** @description Vendor requests per target, first one included */
      maxAttempts: number;
      skillJudge: {
        /** @description e.g. gpt-5.4 */
        model: string;
        /** @description e.g. openai */
        provider: string;
      } | null;
      /** Format: date-time */
      updatedAt: string;
      updatedBy: string | null;
    };
    /** LlmUsageSummary */
    LlmUsageSummary: {
      /** Format: date-time */
      from: string;
      /** @description Group key: provider; provider/model; agent id (null: no agent); UTC day YYYY-MM-DD */
      groupBy: 'provider' | 'model' | 'agent' | 'day';
      organizationId: string | null;
      rows: {
        cachedInputTokens: number;
        /** @description Vendor requests, failed ones and retries included */
        calls: number;
        costUsd: number;
        errors: number;
        inputTokens: number;
        key: string | null;
        outputTokens: number;
        reasoningTokens: number;
      }[];
      /** Format: date-time */
      to: string;
      total: {
        cachedInputTokens: number;
        /** @description Vendor requests, failed ones and retries included */
        calls: number;
        costUsd: number;
        errors: number;
        inputTokens: number;
        outputTokens: number;
        reasoningTokens: number;
      };
    };
    /** Organization */
    Organization: {
      /** Format: date-time */
      createdAt: string;
      /** Format: uuid */
      id: string;
      name: string;
      slug: string;
    };
    /** OrganizationMember */
    OrganizationMember: {
      displayName: string;
      email: string;
      role: 'org_owner' | 'org_admin' | 'member';
      /** Format: date-time */
      since: string;
      /** Format: uuid */
      userId: string;
    };
    /** Primitive */
    Primitive: {
      annotations: {
        destructiveHint?: boolean;
        idempotentHint?: boolean;
        openWorldHint?: boolean;
        readOnlyHint?: boolean;
      };
      classification: {
        action: string;
        resourceType: string;
      };
      description: string;
      /** @description JSON Schema of the input */
      inputSchema: {
        [key: string]: unknown;
      };
      name: string;
      /** @description JSON Schema of the output */
      outputSchema: {
        [key: string]: unknown;
      };
      title?: string;
    };
    /** Problem */
    Problem: {
      /** @description Stable machine-readable error code */
      code: string;
      detail: string;
      errors?: {
        message: string;
        path: string;
      }[];
      instance?: string;
      status: number;
      title: string;
      type: string;
    } & {
      [key: string]: unknown;
    };
    /** Skill */
    Skill: {
      /** @description The instructions injected into system prompts */
      body: string;
      description: string;
      /** @description The match_when clauses; any one selects the skill */
      matchWhen: (
        | 'always'
        | 'llm'
        | {
            agentId: string[];
          }
        | {
            agentHasTag: string[];
          }
      )[];
      name: string;
      /** @description The file (directory skills) or the path in the package */
      path?: string;
      /** @description directory, or the extension package that contributes it */
      source: string;
    };
    /** SkillProblem */
    SkillProblem: {
      message: string;
      path: string;
      /** @description directory, or the extension package */
      source: string;
    };
    /** Team */
    Team: {
      /** Format: date-time */
      createdAt: string;
      /** Format: uuid */
      id: string;
      name: string;
      /** Format: uuid */
      organizationId: string;
      slug: string;
    };
    /** TeamMember */
    TeamMember: {
      displayName: string;
      email: string;
      role: 'team_admin' | 'member';
      /** Format: date-time */
      since: string;
      /** Format: uuid */
      userId: string;
    };
    /** User */
    User: {
      /** Format: date-time */
      createdAt: string;
      disabled: boolean;
      displayName: string;
      email: string;
      /** Format: uuid */
      id: string;
      kind: 'human' | 'service_account';
      platformRole: 'platform_admin' | 'member';
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
};
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
