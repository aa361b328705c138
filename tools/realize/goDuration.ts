// Go's time.ParseDuration, reimplemented: the provider parses healthcheck durations with it, and
// the Docker API wants the result in nanoseconds.

const MAX_MAGNITUDE = 1n << 63n; // Go accumulates in uint64 and allows at most 2^63 before the sign

const UNIT_NANOSECONDS: Readonly<Record<string, bigint>> = {
    ns: 1n,
    us: 1_000n,
    "\u00b5s": 1_000n, // MICRO SIGN
    "\u03bcs": 1_000n, // GREEK SMALL LETTER MU
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
};

export class DurationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DurationError";
    }
}

function isDigit(c: string | undefined): boolean {
    return c !== undefined && c >= "0" && c <= "9";
}

/**
 * Parses a Go duration string ("300ms", "-1.5h", "2h45m", "0") into nanoseconds, with Go's
 * rules: a sign, then one or more decimal numbers each with a unit (ns, us, µs, μs, ms, s, m, h);
 * a unit is required except for a bare "0"; fractions are truncated to whole nanoseconds.
 * Throws DurationError where Go returns an error, and also when the result exceeds what a
 * JavaScript number holds exactly (about 104 days).
 */
export function parseGoDuration(text: string): number {
    const total = parseGoDurationBig(text);
    if (total > BigInt(Number.MAX_SAFE_INTEGER) || total < -BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new DurationError(`duration ${JSON.stringify(text)} is too long to be held exactly in nanoseconds`);
    }
    return Number(total);
}

/** As parseGoDuration, with the full int64 range of Go. */
export function parseGoDurationBig(text: string): bigint {
    const invalid = (): DurationError => new DurationError(`invalid duration ${JSON.stringify(text)}`);
    let rest = text;
    let negative = false;
    if (rest.startsWith("-") || rest.startsWith("+")) {
        negative = rest.startsWith("-");
        rest = rest.slice(1);
    }
    if (rest === "0") return 0n;
    if (rest === "") throw invalid();

    let total = 0n;
    while (rest !== "") {
        if (!(rest[0] === "." || isDigit(rest[0]))) throw invalid();

        // whole part
        let whole = 0n;
        let i = 0;
        while (isDigit(rest[i])) {
            if (whole > MAX_MAGNITUDE / 10n) throw invalid();
            whole = whole * 10n + BigInt(rest.charCodeAt(i) - 48);
            if (whole > MAX_MAGNITUDE) throw invalid();
            i++;
        }
        const hasWhole = i > 0;
        rest = rest.slice(i);

        // fraction: digits past int64 precision are dropped, as Go does
        let fraction = 0n;
        let scale = 1; // a float64 in Go too
        let hasFraction = false;
        if (rest.startsWith(".")) {
            rest = rest.slice(1);
            let j = 0;
            let overflow = false;
            while (isDigit(rest[j])) {
                const digit = BigInt(rest.charCodeAt(j) - 48);
                j++;
                if (overflow) continue;
                if (fraction > MAX_MAGNITUDE / 10n) {
                    overflow = true;
                    continue;
                }
                const next = fraction * 10n + digit;
                if (next > MAX_MAGNITUDE) {
                    overflow = true;
                    continue;
                }
                fraction = next;
                scale *= 10;
            }
            hasFraction = j > 0;
            rest = rest.slice(j);
        }
        if (!hasWhole && !hasFraction) throw invalid();

        // unit
        let k = 0;
        while (k < rest.length && rest[k] !== "." && !isDigit(rest[k])) k++;
        if (k === 0) throw new DurationError(`missing unit in duration ${JSON.stringify(text)}`);
        const unitText = rest.slice(0, k);
        rest = rest.slice(k);
        const unit = UNIT_NANOSECONDS[unitText];
        if (unit === undefined) throw new DurationError(`unknown unit ${JSON.stringify(unitText)} in duration ${JSON.stringify(text)}`);

        if (whole > MAX_MAGNITUDE / unit) throw invalid();
        let value = whole * unit;
        if (fraction > 0n) {
            // Go: v += uint64(float64(f) * (float64(unit) / scale))
            value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
            if (value > MAX_MAGNITUDE) throw invalid();
        }
        total += value;
        if (total > MAX_MAGNITUDE) throw invalid();
    }
    if (negative) return -total;
    if (total > MAX_MAGNITUDE - 1n) throw invalid();
    return total;
}

/** Go's canonical form of a duration (what `time.Duration.String()` prints), e.g. 90s → "1m30s". */
export function formatGoDuration(nanoseconds: number | bigint): string {
    let n = BigInt(nanoseconds);
    if (n === 0n) return "0s";
    const negative = n < 0n;
    if (negative) n = -n;
    const sign = negative ? "-" : "";
    const trimFraction = (whole: bigint, frac: bigint, digits: number): string => {
        const f = frac.toString().padStart(digits, "0").replace(/0+$/, "");
        return f === "" ? whole.toString() : `${whole}.${f}`;
    };
    if (n < 1_000n) return `${sign}${n}ns`;
    if (n < 1_000_000n) return `${sign}${trimFraction(n / 1_000n, n % 1_000n, 3)}µs`;
    if (n < 1_000_000_000n) return `${sign}${trimFraction(n / 1_000_000n, n % 1_000_000n, 6)}ms`;
    const hours = n / 3_600_000_000_000n;
    n %= 3_600_000_000_000n;
    const minutes = n / 60_000_000_000n;
    n %= 60_000_000_000n;
    const seconds = `${trimFraction(n / 1_000_000_000n, n % 1_000_000_000n, 9)}s`;
    if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}`;
    if (minutes > 0n) return `${sign}${minutes}m${seconds}`;
    return `${sign}${seconds}`;
}
