// Generated from openapi/aitbc.yaml by `npm run gen:types`. Do not edit.

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Health check */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This contract as JSON */
        get: operations["getOpenApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Interactive API documentation
         * @description Swagger UI rendering `/openapi.json`, served by the coordinator itself (no CDN); "Try it out"
         *     sends requests to this coordinator. Its scripts and styles come from `/docs/{asset}`.
         */
        get: operations["getDocs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/{asset}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A script, stylesheet or icon of the documentation page */
        get: operations["getDocsAsset"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List jobs
         * @description The caller's own jobs (all jobs for admin), newest first (in the order they were submitted). A
         *     page holds at most `limit` jobs and stops early once it passes the coordinator's page size in
         *     bytes (`serve --page-bytes`, 1 MiB by default; always at least one job).
         *
         *     To page, pass the `job_id` of the last job of a page as `before`: the header `X-Next-Before`
         *     gives it whenever more jobs follow (and only then). Every job listed when the first page was
         *     asked for is then listed once, however many jobs are submitted, or change status, while the
         *     pages are read (a job submitted meanwhile, being newer, is not; a job that moves into or out of
         *     `status` meanwhile may or may not be). `offset` pages too, for compatibility, but a job submitted
         *     between two pages shifts the later ones, so one job is listed twice; or skipped, when a job
         *     leaves `status`. When a page stops early for its size, `X-Next-Offset` says where the next
         *     starts by offset.
         */
        get: operations["listJobs"];
        put?: never;
        /** Submit a new job */
        post: operations["submitJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/available": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get available jobs for miners
         * @description The oldest pending job whose model the miner serves, or null. `wait` long-polls. The miner_id must
         *     be registered (else 404) by the caller's principal (else 403); each call counts as the miner's heartbeat.
         *     A job offered to one poll is held from every other poll for 2 s (once while it is pending), the
         *     same miner's included, so miners polling together are offered different jobs instead of racing to
         *     claim the same one, and asking again without claiming offers another job; when the hold lapses
         *     unclaimed, waiting miners of other keys are offered it first. A miner is never offered a job
         *     it failed. A key may hold `serve --max-polls-per-key` polls at once (429 past it); a miner that
         *     failed too many jobs lately is answered 429 `miner_cooling_down`; a poll whose key is revoked while
         *     it waits is answered 401 at once.
         */
        get: operations["getAvailableJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get job details
         * @description Visible to the job's owner, the miner holding it, and admin; anyone else gets 404.
         */
        get: operations["getJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a job */
        post: operations["cancelJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}/claim": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Claim a job for processing
         * @description Atomic; exactly one miner wins. The job moves to running with a lease.
         */
        post: operations["claimJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit job result
         * @description Only the claiming miner, only while the job runs. Returns the signed receipt.
         */
        post: operations["completeJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}/fail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report that a claimed job failed
         * @description The job goes back to pending while attempts remain, else it fails with the error.
         */
        post: operations["failJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}/output": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Append streamed output to a running job
         * @description The miner holding the job sends its output as it is generated, a few pieces a second, so that
         *     clients following the job (`GET /v1/jobs/{job_id}/stream`) see it as it comes. Only the claiming
         *     miner, only while its lease runs (as `complete`). `offset` is how many UTF-8 bytes of this
         *     attempt's output the coordinator already has; a piece sent again (a retry) is accepted once, a
         *     gap is a 409 that names the expected offset. The coordinator keeps at most `serve
         *     --stream-job-bytes` per job (413 past it) and `--stream-memory` in total (503 past it); the miner
         *     then stops streaming that job. The streamed output is a preview: `complete` stays the authority
         *     and the receipt hashes the result it carries.
         */
        post: operations["appendJobOutput"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Follow a job's output as it is generated (Server-Sent Events)
         * @description Visible to whoever may get the job (`getJob`). A `text/event-stream` of these events:
         *     `output` (`{"text": "..."}`, the next piece of output; a follower that joins late first gets
         *     everything generated so far), `reset` (`{"reason": "..."}`: the attempt that produced the output
         *     so far ended without a result and the job went back to the queue; forget that output),
         *     and last `end` (`{"job_id", "status", "receipt_id"?, "error"?}`) when the job has ended. The
         *     job's `result` (`GET /v1/jobs/{job_id}`) is the authority: the receipt hashes it. For a job that
         *     has already ended, the stream is its result as one `output` event (when completed), then `end`.
         *     A comment line every 15 s keeps proxies from closing a quiet stream; a follower that does not
         *     read within `serve --send-timeout` is disconnected. A key may follow `serve --max-streams-per-key`
         *     streams at once (429 `limit_reached` past it).
         */
        get: operations["streamJobOutput"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/miners/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Register a miner
         * @description Registering again refreshes capabilities and last-seen (the heartbeat).
         */
        post: operations["registerMiner"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/miners/claim-next": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Wait for the next job and claim it in one call
         * @description One long poll that answers with a job already claimed by the miner (as SQS ReceiveMessage): the
         *     oldest pending job whose model the miner serves, moved to running with a lease, as
         *     `POST /v1/jobs/{job_id}/claim` would; or null after `wait` seconds without one. Racing miners
         *     each get a different job, on however many replicas. The rules of `GET /v1/jobs/available` and
         *     claim hold: the miner_id must be registered (else 404) by the caller's principal (else 403); a
         *     miner is never given a job it failed, nor one offered through `available` while that offer is
         *     held; a key may hold `serve --max-polls-per-key` polls (this and
         *     `available` together) at once (429 past it); a miner that failed too many jobs lately is answered
         *     429 `miner_cooling_down`; a poll whose key is revoked while it waits is answered 401 at once.
         *     A job claimed for a poll whose client went away before the answer goes back to the queue. Each
         *     call counts as the miner's heartbeat. Older coordinators answer 404 for this route: use
         *     `available` and `claim` there.
         */
        post: operations["claimNextJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/chat/completions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Chat completion (OpenAI-compatible)
         * @description As OpenAI's `POST /v1/chat/completions`: the request becomes an ordinary job (its `messages` kept
         *     on the job, its prompt their rendering as text, docs/protocol.md), billed and receipted as any
         *     other. Without `stream` the answer comes when the job has ended; with `stream: true` it is
         *     OpenAI's `chat.completion.chunk` events as the miner generates, ending with `data: [DONE]`. The
         *     answer names the job and its receipt (headers `X-Aitbc-Job-Id` and `X-Aitbc-Receipt-Id`, field
         *     `aitbc`), so `aitbc receipts verify` can check it. A job not ended within `serve
         *     --gateway-timeout` is a 504 (the job goes on). A client that goes away before the answer is
         *     sent cancels its job if no miner has taken it yet (one already running goes on). Only `n: 1`; `max_tokens` (or
         *     `max_completion_tokens`), `temperature` and `top_p` are the job's params; other fields are
         *     ignored. Takes `Authorization: Bearer <client key>` as well as `X-Api-Key`.
         */
        post: operations["createChatCompletion"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The models live miners serve (OpenAI-compatible)
         * @description As OpenAI's `GET /v1/models`: the models of the miners seen within `serve --active-miner-seconds`.
         */
        get: operations["listModels"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/receipts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List receipts
         * @description Clients see receipts for their own jobs, miners those they provided, admin all; newest first (in
         *     the order they were issued, exact where ids and times made in one millisecond are not). `client`
         *     and `provider` narrow that; they never widen it.
         *
         *     To page, pass the `receipt_id` of the last receipt of a page as `before`: the header
         *     `X-Next-Before` gives it whenever more receipts follow (and only then). Every receipt listed when
         *     the first page was asked for is then listed once, however many receipts are issued while the
         *     pages are read (a receipt issued meanwhile, being newer, is not). `offset` pages too, for
         *     compatibility, but a receipt issued between two pages shifts the later ones, so one is listed twice.
         */
        get: operations["listReceipts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/receipts/{receipt_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get receipt details */
        get: operations["getReceipt"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The coordinator's public signing keys */
        get: operations["listSigningKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List API keys (no secrets) */
        get: operations["listApiKeys"];
        put?: never;
        /**
         * Create an API key
         * @description The new key is shown once, in this response.
         */
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/keys/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key at once */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/explorer/blocks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get recent blocks
         * @description Newest first. `before` pages backwards by height.
         */
        get: operations["listBlocks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/explorer/blocks/{height}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get one block with a page of its transactions
         * @description The block header and its transactions from `tx_offset`, at most `tx_limit` of them, in order. The
         *     header's `transactions` is how many the block holds: a block with more than one page is read by
         *     asking again with `tx_offset` moved on, until `transaction_list` has them all.
         */
        get: operations["getBlock"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/explorer/transactions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get recent transactions */
        get: operations["listTransactions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/explorer/receipts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get recent receipts */
        get: operations["listExplorerReceipts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/explorer/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get network statistics */
        get: operations["getStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Health: {
            /**
             * @description `ok`, or `unavailable` (with `reason`) while the coordinator cannot write its data.
             * @example ok
             */
            status: string;
            /** @example 1.0.0 */
            version: string;
            /** @description Why the coordinator cannot write (only with `unavailable`). */
            reason?: string;
        };
        /**
         * @description pending -> running -> completed | failed | cancelled. A failed attempt sends a running job back to
         *     pending; it fails for good once `serve --max-attempts` different miners failed it. A pending
         *     job no miner claimed within `serve --pending-ttl` (24 h by default) ends `expired`, with a
         *     `job_expired` ledger transaction. completed, failed, cancelled and expired are final.
         * @enum {string}
         */
        JobStatus: "pending" | "running" | "completed" | "failed" | "cancelled" | "expired";
        /** @description 1 to 128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit */
        MinerId: string;
        /** @description 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit */
        PrincipalName: string;
        ModelName: string;
        JobParams: {
            /** @default 256 */
            max_tokens?: number;
            /** @default 0.7 */
            temperature?: number;
            /** @default 0.9 */
            top_p?: number;
        };
        JobRequest: {
            /** @description Input prompt */
            prompt: string;
            /** @default llama3.2 */
            model?: components["schemas"]["ModelName"];
            params?: components["schemas"]["JobParams"];
        };
        Job: {
            /**
             * @description Only in the answer to `submitJob`: set when no registered miner offering the job's model has
             *     been seen recently (a typo in the model, or no miner up), so the job may wait a long time.
             *     Not stored; the job is queued all the same.
             */
            warning?: string;
            job_id: string;
            status: components["schemas"]["JobStatus"];
            prompt: string;
            model: string;
            params: {
                max_tokens: number;
                temperature: number;
                top_p: number;
            };
            /**
             * @description Only on jobs submitted through `POST /v1/chat/completions`: the chat, kept as messages (HTTP
             *     backends send them to their chat endpoints). `prompt` is their rendering as text
             *     (docs/protocol.md), which is what the receipt's `prompt_sha256` covers.
             */
            messages?: components["schemas"]["ChatMessage"][];
            result?: string;
            /** @description Why the job failed or expired, or the last failure of a job that was requeued. */
            error?: string;
            miner_id?: string;
            /** @description Principal name of the key that submitted the job. */
            client: string;
            /**
             * @description How many times the job has been claimed. A miner whose attempt failed is not offered the job
             *     again (and may not claim it), so these are attempts of different miners.
             */
            attempts: number;
            receipt_id?: string;
            /** Format: date-time */
            lease_expires_at?: string;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            started_at?: string;
            /** Format: date-time */
            completed_at?: string;
        };
        NullableJob: components["schemas"]["Job"] | null;
        ClaimRequest: {
            miner_id: components["schemas"]["MinerId"];
        };
        ClaimNextRequest: {
            miner_id: components["schemas"]["MinerId"];
            /**
             * @description Seconds to wait for a job before answering null (long poll).
             * @default 0
             */
            wait?: number;
        };
        JobResult: {
            miner_id: components["schemas"]["MinerId"];
            result: string;
            /**
             * Format: date-time
             * @description Informational. The receipt's times come from the coordinator's clock.
             */
            completed_at?: string;
            /** @description Tokens the backend reported; counted from the result when absent. Capped at max_tokens. */
            units?: number;
        };
        JobFailure: {
            miner_id: components["schemas"]["MinerId"];
            error: string;
        };
        /** @description A receipt signed by the coordinator. Its signed bytes (both forms), units and what "verified" means are specified in docs/protocol.md, sections 4 to 6. */
        Receipt: {
            receipt_id: string;
            job_id: string;
            provider: string;
            client: string;
            units: number;
            unit_type: string;
            /** @description units x price per 1,000 tokens / 1000, rounded to 12 significant digits (docs/protocol.md, section 4). */
            price: number;
            model: string;
            /** @description Unix time in seconds when the completing attempt was claimed. */
            started_at: number;
            /** @description Unix time in seconds when the coordinator accepted the result. */
            completed_at: number;
            /** @description Hex SHA-256 of the UTF-8 bytes of the submitted prompt string (docs/protocol.md, section 4). */
            prompt_sha256?: string;
            /** @description Hex SHA-256 of the UTF-8 bytes of the result string the miner submitted. */
            result_sha256?: string;
            /**
             * @description The form of the signed bytes, RFC 8785 of the receipt without `signature`. Receipts of the upstream Python coordinator carry `version` "1.0" instead (docs/protocol.md, sections 4 and 5).
             * @enum {string}
             */
            canonicalization?: "rfc8785";
            signature: components["schemas"]["Signature"];
        };
        /** @description An Ed25519 signature (strict RFC 8032) over the bytes docs/protocol.md names for each structure; `alg` is exactly "Ed25519". */
        Signature: {
            /** @example Ed25519 */
            alg: string;
            /** @description The raw 32-byte public key, base64url without padding. */
            key_id: string;
            /** @description The 64-byte signature, base64url without padding. */
            sig: string;
        };
        SigningKey: {
            key_id: string;
            alg: string;
            /** @description The raw public key, hex. */
            public_key: string;
        };
        MinerRegistration: {
            miner_id: components["schemas"]["MinerId"];
            capabilities: components["schemas"]["ModelName"][];
            gpu_info?: {
                name?: string;
                memory?: string;
            };
        };
        Miner: {
            miner_id: string;
            capabilities: string[];
            gpu_info?: {
                name?: string;
                memory?: string;
            };
            principal: string;
            /** Format: date-time */
            registered_at: string;
            /** Format: date-time */
            last_seen: string;
        };
        /** @enum {string} */
        ApiKeyRole: "admin" | "client" | "miner";
        ApiKeyRequest: {
            role: components["schemas"]["ApiKeyRole"];
            name: components["schemas"]["PrincipalName"];
        };
        ApiKeyInfo: {
            name: string;
            role: components["schemas"]["ApiKeyRole"];
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            revoked_at?: string;
        };
        CreatedApiKey: components["schemas"]["ApiKeyInfo"] & {
            /** @description The secret. Shown once. */
            api_key: string;
        };
        /** @description A sealed block. `hash` is SHA-256 of the RFC 8785 header, `merkle_root` the RFC 6962 root over the decoded tx hashes, the signature covers the 32 hash bytes; the genesis has `prev_hash` of 64 zeros (docs/protocol.md, section 7). */
        Block: {
            height: number;
            hash: string;
            prev_hash: string;
            merkle_root: string;
            /** Format: date-time */
            timestamp: string;
            /** @description The number of transactions in the block. */
            transactions: number;
            signature: components["schemas"]["Signature"];
        };
        BlockDetail: components["schemas"]["Block"] & {
            transaction_list: components["schemas"]["Transaction"][];
        };
        /** @enum {string} */
        TransactionType: "job_submitted" | "job_claimed" | "job_completed" | "job_failed" | "job_cancelled" | "job_requeued" | "job_expired" | "receipt_issued" | "miner_registered";
        /** @description A ledger transaction. `tx_hash` is SHA-256 of the RFC 8785 form of {seq, type, timestamp, data}; each type's `data` is listed in docs/protocol.md, section 7. */
        Transaction: {
            tx_hash: string;
            /** @description Position in the ledger, from 1, without gaps. */
            seq: number;
            type: components["schemas"]["TransactionType"];
            /** Format: date-time */
            timestamp: string;
            data: {
                [key: string]: unknown;
            };
            block_height?: number | null;
        };
        NetworkStats: {
            total_jobs: number;
            active_miners: number;
            total_receipts: number;
            block_height: number;
        };
        ChatMessage: {
            role: string;
            content: string;
        };
        JobOutput: {
            miner_id: components["schemas"]["MinerId"];
            /** @description UTF-8 bytes of this attempt's output the coordinator already has (the sum of the texts sent before). */
            offset: number;
            text: string;
        };
        JobOutputAccepted: {
            /** @description UTF-8 bytes of this attempt's output the coordinator now has; the next offset. */
            bytes: number;
        };
        ChatCompletionRequest: {
            model: components["schemas"]["ModelName"];
            messages: {
                role: string;
                /** @description A string, null, or a list of parts of which only `text` ones are accepted. */
                content?: unknown;
            }[];
            stream?: boolean | null;
            stream_options?: {
                include_usage?: boolean;
            } | null;
            max_tokens?: number | null;
            max_completion_tokens?: number | null;
            temperature?: number | null;
            top_p?: number | null;
            n?: number | null;
        } & {
            [key: string]: unknown;
        };
        ChatCompletion: {
            id: string;
            /** @enum {string} */
            object: "chat.completion";
            created: number;
            model: string;
            choices: {
                index: number;
                message: {
                    role: string;
                    content: string;
                };
                /** @enum {string} */
                finish_reason: "stop" | "length";
            }[];
            usage: {
                /** @description Counted by the coordinator from the rendered prompt (an estimate). */
                prompt_tokens: number;
                /** @description The receipt's units. */
                completion_tokens: number;
                total_tokens: number;
            };
            aitbc: components["schemas"]["GatewayIds"];
        };
        /** @description The job the request became and its receipt, for `aitbc jobs get` and `aitbc receipts verify`. */
        GatewayIds: {
            job_id: string;
            receipt_id?: string;
        };
        ModelList: {
            /** @enum {string} */
            object: "list";
            data: {
                id: string;
                /** @enum {string} */
                object: "model";
                created: number;
                owned_by: string;
            }[];
        };
        OpenAiError: {
            error: {
                message: string;
                /** @description invalid_request_error, authentication_error, permission_error, rate_limit_error, timeout, server_error */
                type: string;
                param?: string | null;
                /** @description The coordinator's error_code, or job_failed / job_cancelled / job_expired. */
                code?: string | null;
            };
        };
        Error: {
            /** @description What went wrong, in one sentence; for a schema violation it names the field. */
            detail: string;
            /**
             * @description Stable, snake_case: `invalid_json` (400), `validation_failed` (400), `unauthorized` (401),
             *     `forbidden` (403), `not_found` (404, also for things the caller may not see),
             *     `method_not_allowed` (405), `conflict` (409), `payload_too_large` (413: the body, or a prompt
             *     over the coordinator's prompt limit), `rate_limited` (429, with `Retry-After` in seconds, when
             *     the coordinator limits requests per key or per client address), `limit_reached` (429, a cap
             *     named in `detail` with its `serve` flag), `miner_cooling_down` (429, the miner failed too
             *     many jobs lately), `malformed_request` (400, not valid HTTP),
             *     `request_timeout` (408, the request did not arrive in time), `headers_too_large` (431),
             *     `internal_error` (500), `service_unavailable` (503, the coordinator cannot write its data, or
             *     large answers not yet read by their clients fill its answer memory; `Retry-After` says when).
             */
            error_code: string;
        };
    };
    responses: {
        /** @description Invalid request */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Authentication required */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The key's role may not do this */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Resource not found */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The resource is not in a state that allows this */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Request body too large */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description `service_unavailable`: large answers that their clients have not read yet fill the coordinator's
         *     answer memory (`serve --answer-memory`), or too many large answers wait for their turn to be built
         *     (`serve --answer-queue`); `Retry-After` says when to try again.
         */
        AnswerMemoryFull: {
            headers: {
                /** @description Seconds to wait before trying again. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description `service_unavailable`: streamed output held for followers fills the coordinator's stream memory
         *     (`serve --stream-memory`); the miner stops streaming the job (its result still completes it).
         */
        StreamMemoryFull: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description An error in OpenAI's shape, `{error: {message, type, param, code}}`, with the status OpenAI uses. */
        OpenAiError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["OpenAiError"];
            };
        };
        /**
         * @description A limit of the coordinator was reached: `rate_limited` (requests per second per key, or per
         *     client address on public endpoints; `serve --rate-limit`), `limit_reached` (a cap, named in
         *     `detail` with the `serve` flag that sets it: pending jobs per client, queued prompt bytes, long
         *     polls per key, job output streams per key, miner ids per key, capabilities per miner), or `miner_cooling_down` (the miner
         *     failed too many jobs lately). `Retry-After` says in how many seconds to try again.
         */
        TooManyRequests: {
            headers: {
                /** @description Seconds to wait before trying again. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        JobId: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Service is healthy */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            /**
             * @description The coordinator cannot write its data (disk full, I/O error): `status` is `unavailable` and
             *     `reason` says why. Writes answer 503 with `Retry-After` meanwhile; the coordinator retries and
             *     answers `ok` again by itself once writing works.
             */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    getOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document the coordinator implements and validates requests against */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
    getDocs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The HTML page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
    getDocsAsset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A file name the page refers to, e.g. `swagger-ui-bundle.js` */
                asset: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/css": string;
                    "text/javascript": string;
                    "image/png": string;
                };
            };
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    listJobs: {
        parameters: {
            query?: {
                status?: components["schemas"]["JobStatus"];
                limit?: number;
                /** @description Skip this many jobs (counted from `before` when given). Prefer `before` to page. */
                offset?: number;
                /**
                 * @description Only jobs submitted before this job (the `job_id` of the last job of the previous page),
                 *     whatever its status now. It must be one of the jobs this list may hold, else 400: one that
                 *     does not exist and another client's are answered alike.
                 */
                before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description List of jobs */
            200: {
                headers: {
                    /** @description Set when more jobs follow this page; the `before` of the next page (the last job's id). */
                    "X-Next-Before"?: string;
                    /** @description Set when the page stopped early for its size; the `offset` of the next page. */
                    "X-Next-Offset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"][];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["AnswerMemoryFull"];
        };
    };
    submitJob: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description A retried submit with the same key returns the first job (201, header `Idempotent-Replayed: true`)
                 *     instead of creating another. Keys are per principal; the same key with a different request is a 409.
                 */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["JobRequest"];
            };
        };
        responses: {
            /** @description Job created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description The Idempotency-Key was already used for a different request */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getAvailableJob: {
        parameters: {
            query: {
                miner_id: components["schemas"]["MinerId"];
                /** @description Seconds to wait for a job before answering null (long poll). */
                wait?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Available job or null */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NullableJob"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["AnswerMemoryFull"];
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: components["parameters"]["JobId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Job details */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["AnswerMemoryFull"];
        };
    };
    cancelJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: components["parameters"]["JobId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Job cancelled */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    claimJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: components["parameters"]["JobId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ClaimRequest"];
            };
        };
        responses: {
            /** @description Job claimed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    completeJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: components["parameters"]["JobId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["JobResult"];
            };
        };
        responses: {
            /** @description Job completed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Receipt"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    failJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: components["parameters"]["JobId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["JobFailure"];
            };
        };
        responses: {
            /** @description The job after the failure was recorded */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    appendJobOutput: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: components["parameters"]["JobId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["JobOutput"];
            };
        };
        responses: {
            /** @description The output was taken */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobOutputAccepted"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["StreamMemoryFull"];
        };
    };
    streamJobOutput: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: components["parameters"]["JobId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job's output, as Server-Sent Events */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    registerMiner: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MinerRegistration"];
            };
        };
        responses: {
            /** @description Miner registered */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Miner"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    claimNextJob: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ClaimNextRequest"];
            };
        };
        responses: {
            /** @description The job, claimed by the miner (running, with a lease), or null when none came within `wait` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NullableJob"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["AnswerMemoryFull"];
        };
    };
    createChatCompletion: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChatCompletionRequest"];
            };
        };
        responses: {
            /** @description The completion (or, with `stream`, a `text/event-stream` of chunks) */
            200: {
                headers: {
                    /** @description The job the request became. */
                    "X-Aitbc-Job-Id"?: string;
                    /** @description The job's receipt (not on a streamed answer, whose headers go out first: its last chunk carries it). */
                    "X-Aitbc-Receipt-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChatCompletion"];
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["OpenAiError"];
            401: components["responses"]["OpenAiError"];
            403: components["responses"]["OpenAiError"];
            413: components["responses"]["OpenAiError"];
            429: components["responses"]["OpenAiError"];
            502: components["responses"]["OpenAiError"];
            504: components["responses"]["OpenAiError"];
        };
    };
    listModels: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The models */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelList"];
                };
            };
            401: components["responses"]["OpenAiError"];
            429: components["responses"]["OpenAiError"];
        };
    };
    listReceipts: {
        parameters: {
            query?: {
                client?: string;
                provider?: string;
                limit?: number;
                /** @description Skip this many receipts (counted from `before` when given). Prefer `before` to page. */
                offset?: number;
                /**
                 * @description Only receipts issued before this one (the `receipt_id` of the last receipt of the previous
                 *     page). It must be one of the receipts this list holds (the same `client` and `provider`),
                 *     else 400: one that does not exist and another's are answered alike.
                 */
                before?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description List of receipts, newest first */
            200: {
                headers: {
                    /** @description Set when more receipts follow this page; the `before` of the next page (the last receipt's id). */
                    "X-Next-Before"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Receipt"][];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["AnswerMemoryFull"];
        };
    };
    getReceipt: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                receipt_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Receipt details */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Receipt"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    listSigningKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Public keys that sign receipts and blocks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SigningKey"][];
                };
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
    listApiKeys: {
        parameters: {
            query?: {
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Keys, oldest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyInfo"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    createApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiKeyRequest"];
            };
        };
        responses: {
            /** @description Key created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedApiKey"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["schemas"]["PrincipalName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The revoked key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyInfo"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description The last active admin key cannot be revoked */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
    listBlocks: {
        parameters: {
            query?: {
                limit?: number;
                /** @description Only blocks with a height below this one. */
                before?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description List of blocks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Block"][];
                };
            };
            400: components["responses"]["BadRequest"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getBlock: {
        parameters: {
            query?: {
                /** @description How many of the block's transactions to skip. */
                tx_offset?: number;
                /** @description The most transactions to return. */
                tx_limit?: number;
            };
            header?: never;
            path: {
                height: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The block and a page of its transactions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BlockDetail"];
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["AnswerMemoryFull"];
        };
    };
    listTransactions: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description List of transactions, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Transaction"][];
                };
            };
            400: components["responses"]["BadRequest"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["AnswerMemoryFull"];
        };
    };
    listExplorerReceipts: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description List of receipts, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Receipt"][];
                };
            };
            400: components["responses"]["BadRequest"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["AnswerMemoryFull"];
        };
    };
    getStats: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Network stats */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NetworkStats"];
                };
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
}
