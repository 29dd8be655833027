using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace SimAM.Gam.IO;

/// <summary>
/// The header dictionary of a .npy file (<c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3, 4), }</c>):
/// parsed by a small reader of exactly the Python literal syntax numpy writes there (a dict of string keys
/// whose values are strings, booleans, integer tuples, or, for structured dtypes, lists), and formatted the way
/// <c>numpy.save</c> writes it. This is the project's one .npy header parser: the command-line tool reads its
/// input tensors with it and the GAM weight loader the entries of .npz files.
/// </summary>
/// <remarks>
/// Every failure is an <see cref="InvalidDataException"/> whose message names the problem in one line, without a
/// file name (the caller adds it and wraps the exception in its own type); nothing else is thrown, whatever the
/// input.
/// </remarks>
internal static class NpyHeaderText
{
    /// <summary>The alignment numpy pads the whole preamble (magic, version, length, header) to.</summary>
    public const int Alignment = 64;

    /// <summary>Gets numpy's descr string of an element type.</summary>
    /// <param name="type">The element type; <see cref="TensorElementType.BFloat16"/> has none.</param>
    /// <returns><c>&lt;f2</c>, <c>&lt;f4</c>, <c>&lt;f8</c> or <c>&lt;i8</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is <see cref="TensorElementType.BFloat16"/>.</exception>
    public static string Descr(TensorElementType type) => type switch
    {
        TensorElementType.Float16 => "<f2",
        TensorElementType.Float32 => "<f4",
        TensorElementType.Float64 => "<f8",
        TensorElementType.Int64 => "<i8",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "numpy has no bfloat16 dtype"),
    };

    /// <summary>Formats a shape the way Python prints a tuple: <c>(2, 3)</c>, <c>(5,)</c>, <c>()</c>.</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The tuple text.</returns>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var text = new StringBuilder("(");
        for (var i = 0; i < shape.Length; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        return text.Append(shape.Length == 1 ? ",)" : ")").ToString();
    }

    /// <summary>Formats the header text numpy would write: the dict, padded with spaces and a newline so that the preamble is 64-byte aligned.</summary>
    /// <param name="type">The element type (not <see cref="TensorElementType.BFloat16"/>).</param>
    /// <param name="shape">The dimensions, C order.</param>
    /// <param name="preambleLength">The bytes before the header text: magic, version and length field (10 for version 1.0, 12 for 2.0 and 3.0).</param>
    /// <returns>The padded header text (ASCII).</returns>
    public static string Format(TensorElementType type, ReadOnlySpan<int> shape, int preambleLength)
    {
        var dict = $"{{'descr': '{Descr(type)}', 'fortran_order': False, 'shape': {FormatShape(shape)}, }}";
        var total = preambleLength + dict.Length + 1;
        var padding = (Alignment - (total % Alignment)) % Alignment;
        return dict + new string(' ', padding) + "\n";
    }

    /// <summary>Parses and checks the header text of a .npy file.</summary>
    /// <param name="text">The decoded header, padding included.</param>
    /// <param name="accepted">The element types the caller takes, in the order its messages list them.</param>
    /// <param name="elementType">Receives the element type, one of <paramref name="accepted"/>.</param>
    /// <returns>The dimensions of a C-ordered little-endian array of at most <see cref="int.MaxValue"/> elements.</returns>
    /// <exception cref="InvalidDataException">The text is not a valid header, or describes an array the caller cannot take.</exception>
    public static int[] Parse(string text, ReadOnlySpan<TensorElementType> accepted, out TensorElementType elementType)
    {
        var dictionary = new LiteralParser(text).ParseHeaderDictionary();
        foreach (var key in dictionary.Keys)
        {
            if (key is not ("descr" or "fortran_order" or "shape"))
            {
                throw new InvalidDataException($"malformed header: unexpected key '{key}'");
            }
        }

        elementType = ParseDescr(Require(dictionary, "descr"), accepted);
        if (Require(dictionary, "fortran_order") is not bool fortranOrder)
        {
            throw new InvalidDataException("malformed header: 'fortran_order' must be True or False");
        }

        if (fortranOrder)
        {
            throw new InvalidDataException("Fortran-ordered arrays are not supported (save a C-ordered array, e.g. np.ascontiguousarray(x))");
        }

        if (Require(dictionary, "shape") is not long[] dimensions)
        {
            throw new InvalidDataException("malformed header: 'shape' must be a tuple of integers");
        }

        var shape = new int[dimensions.Length];
        long count = 1;
        for (var i = 0; i < dimensions.Length; i++)
        {
            if (dimensions[i] < 0)
            {
                throw new InvalidDataException($"malformed header: shape has a negative dimension ({dimensions[i]})");
            }

            count *= Math.Min(dimensions[i], (long)int.MaxValue + 1);
            if (count > int.MaxValue)
            {
                throw new InvalidDataException($"array is too large: more than {int.MaxValue} elements");
            }

            shape[i] = (int)dimensions[i];
        }

        return shape;
    }

    private static object Require(Dictionary<string, object> dictionary, string key) =>
        dictionary.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"malformed header: missing key '{key}'");

    private static TensorElementType ParseDescr(object descr, ReadOnlySpan<TensorElementType> accepted)
    {
        if (descr is List<object>)
        {
            throw new InvalidDataException($"structured (record) dtypes are not supported; expected {Expected(accepted)}");
        }

        if (descr is not string text)
        {
            throw new InvalidDataException("malformed header: 'descr' must be a string");
        }

        foreach (var type in accepted)
        {
            if (text == Descr(type))
            {
                return type;
            }
        }

        if (text.Length > 1 && text[0] == '>')
        {
            var littleEndian = "<" + text[1..];
            foreach (var type in accepted)
            {
                if (littleEndian == Descr(type))
                {
                    throw new InvalidDataException($"big-endian arrays are not supported (dtype '{text}'); save with x.astype('{littleEndian}')");
                }
            }
        }

        var code = text.TrimStart('<', '>', '|', '=');
        if (code is "O" or "O4" or "O8")
        {
            throw new InvalidDataException($"object arrays are not supported; expected {Expected(accepted)}");
        }

        throw new InvalidDataException($"unsupported dtype '{MessageText.Printable(text)}'; expected {Expected(accepted)}");
    }

    /// <summary>Lists the accepted types for a message: <c>float32 '&lt;f4' or float64 '&lt;f8'</c>.</summary>
    private static string Expected(ReadOnlySpan<TensorElementType> accepted)
    {
        var text = new StringBuilder();
        for (var i = 0; i < accepted.Length; i++)
        {
            text.Append(i == 0 ? string.Empty : i == accepted.Length - 1 ? " or " : ", ");
            var name = accepted[i] switch
            {
                TensorElementType.Float16 => "float16",
                TensorElementType.Float32 => "float32",
                TensorElementType.Float64 => "float64",
                _ => "int64",
            };
            text.Append(name).Append(" '").Append(Descr(accepted[i])).Append('\'');
        }

        return text.ToString();
    }

    /// <summary>
    /// A recursive-descent reader of the Python literals that appear in .npy headers. Values come back as
    /// <see cref="string"/>, <see cref="bool"/>, <see cref="long"/>, <see cref="long"/>[] (a tuple of integers) or
    /// <see cref="List{T}"/> (any list, or a tuple holding anything but integers).
    /// </summary>
    private ref struct LiteralParser(string text)
    {
        private const int MaxDepth = 16;

        private readonly string _text = text;
        private int _position;

        public Dictionary<string, object> ParseHeaderDictionary()
        {
            SkipWhitespace();
            Expect('{');
            var dictionary = new Dictionary<string, object>(StringComparer.Ordinal);
            SkipWhitespace();
            while (Peek() != '}')
            {
                if (Peek() is not ('\'' or '"'))
                {
                    throw Malformed("expected a quoted key");
                }

                var key = ParseString();
                SkipWhitespace();
                Expect(':');
                SkipWhitespace();
                var value = ParseValue(0);
                if (!dictionary.TryAdd(key, value))
                {
                    throw Malformed($"duplicate key '{MessageText.Printable(key)}'");
                }

                SkipWhitespace();
                if (Peek() == ',')
                {
                    _position++;
                    SkipWhitespace();
                }
                else if (Peek() != '}')
                {
                    throw Malformed("expected ',' or '}'");
                }
            }

            _position++;
            SkipWhitespace();
            if (_position != _text.Length)
            {
                throw Malformed("unexpected text after the dictionary");
            }

            return dictionary;
        }

        private object ParseValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Malformed("nesting is too deep");
            }

            var c = Peek();
            switch (c)
            {
                case '\'' or '"':
                    return ParseString();
                case '(':
                    return ParseTuple(depth);
                case '[':
                    return ParseList(depth);
                case >= '0' and <= '9' or '-' or '+':
                    return ParseInteger();
                default:
                    break;
            }

            if (TryKeyword("True"))
            {
                return true;
            }

            if (TryKeyword("False"))
            {
                return false;
            }

            throw Malformed(_position >= _text.Length ? "unexpected end" : $"unexpected character '{MessageText.Printable(c.ToString())}'");
        }

        /// <summary>A tuple: <see cref="long"/>[] when every item is an integer (a shape), else a list (as in structured dtypes).</summary>
        private object ParseTuple(int depth)
        {
            Expect('(');
            var items = new List<object>();
            SkipWhitespace();
            var sawComma = false;
            while (Peek() != ')')
            {
                items.Add(ParseValue(depth + 1));
                SkipWhitespace();
                sawComma = Peek() == ',';
                if (sawComma)
                {
                    _position++;
                    SkipWhitespace();
                }
                else if (Peek() != ')')
                {
                    throw Malformed("expected ',' or ')' in a tuple");
                }
            }

            _position++;
            if (items.Count == 1 && !sawComma)
            {
                // (5) is the integer 5 in Python, not a tuple; numpy always writes (5,).
                throw Malformed("'shape' must be a tuple: write (5,) for one dimension");
            }

            return items.TrueForAll(item => item is long) ? items.ConvertAll(item => (long)item).ToArray() : items;
        }

        private List<object> ParseList(int depth)
        {
            Expect('[');
            var items = new List<object>();
            SkipWhitespace();
            while (Peek() != ']')
            {
                items.Add(ParseValue(depth + 1));
                SkipWhitespace();
                if (Peek() == ',')
                {
                    _position++;
                    SkipWhitespace();
                }
                else if (Peek() != ']')
                {
                    throw Malformed("expected ',' or ']' in a list");
                }
            }

            _position++;
            return items;
        }

        private long ParseInteger()
        {
            var negative = Peek() == '-';
            if (Peek() is '-' or '+')
            {
                _position++;
            }

            var start = _position;
            long value = 0;
            while (Peek() is >= '0' and <= '9')
            {
                if (value > (long.MaxValue - 9) / 10)
                {
                    throw Malformed("integer is too large");
                }

                value = (value * 10) + (Peek() - '0');
                _position++;
            }

            if (_position == start)
            {
                throw Malformed("expected an integer");
            }

            if (Peek() is 'L' or 'l')
            {
                _position++; // Python 2 long literal, as in headers written by old numpy: (3L, 4L).
            }

            return negative ? -value : value;
        }

        private string ParseString()
        {
            var quote = Peek();
            _position++;
            var value = new StringBuilder();
            while (true)
            {
                var c = Peek();
                if (_position >= _text.Length || c == '\n')
                {
                    throw Malformed("unterminated string");
                }

                _position++;
                if (c == quote)
                {
                    return value.ToString();
                }

                if (c == '\\')
                {
                    c = Peek();
                    if (_position >= _text.Length)
                    {
                        throw Malformed("unterminated string");
                    }

                    _position++;
                }

                value.Append(c);
            }
        }

        private bool TryKeyword(string keyword)
        {
            if (string.CompareOrdinal(_text, _position, keyword, 0, keyword.Length) != 0)
            {
                return false;
            }

            var end = _position + keyword.Length;
            if (end < _text.Length && (char.IsLetterOrDigit(_text[end]) || _text[end] == '_'))
            {
                return false;
            }

            _position = end;
            return true;
        }

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw Malformed($"expected '{c}'");
            }

            _position++;
        }

        private readonly char Peek() => _position < _text.Length ? _text[_position] : '\0';

        private void SkipWhitespace()
        {
            while (Peek() is ' ' or '\t' or '\n' or '\r')
            {
                _position++;
            }
        }

        private readonly InvalidDataException Malformed(string problem) =>
            new($"malformed header: {problem} at offset {_position}");
    }
}
