/** The PostgreSQL server throwaway test databases are created on (`AURORA_TEST_POSTGRES_URL`). */
export const POSTGRES_URL = process.env.AURORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
