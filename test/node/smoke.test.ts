import { test, expect } from 'vitest';
test('one', () => expect(1).toBe(1));
