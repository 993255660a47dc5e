#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% Erlang's term_to_binary/binary_to_term on the four messages that
%% //wire:wire_benchmark encodes and decodes (wire/bench/run.sh compares them):
%%
%%   ints     a list of the integers 1..1,000,000
%%   flonums  a tuple of 100,000 floats X*1.5 (X = 1..100,000)
%%   strings  a list of 100,000 binaries <<"str1">>..<<"str100000">>
%%   records  a list of 10,000 tuples {X, X*0.5, <<"name">>, true, [X, X+1]}
%%
%% Usage: erlang_wire.escript [MIN_SECONDS [RUNS]]   (defaults 0.5 and 1)
%% Each run of a case and direction repeats the operation, doubling the
%% count, until one batch takes at least MIN_SECONDS of wall-clock time;
%% the best of RUNS runs is printed. Output, one line per case and
%% direction (lines starting with # are comments):
%%
%%   erlang CASE DIRECTION NS_PER_OP MESSAGE_BYTES ITERATIONS
%%
%% e.g. "erlang ints encode 8123456.7 5000006 64".
-mode(compile).

main(Args) ->
    {MinSeconds, Runs} = parse_args(Args),
    MinNs = round(MinSeconds * 1.0e9),
    io:format("# OTP ~s, erts ~s~n",
              [erlang:system_info(otp_release), erlang:system_info(version)]),
    lists:foreach(fun({Name, Build}) -> run_case(Name, Build(), MinNs, Runs) end,
                  cases()).

parse_args([]) -> {0.5, 1};
parse_args([Min]) -> {to_number(Min), 1};
parse_args([Min, Runs]) -> {to_number(Min), list_to_integer(Runs)};
parse_args(_) ->
    io:format(standard_error, "usage: erlang_wire.escript [MIN_SECONDS [RUNS]]~n", []),
    halt(2).

to_number(S) ->
    try list_to_float(S) catch error:badarg -> float(list_to_integer(S)) end.

cases() ->
    [{ints, fun() -> lists:seq(1, 1000000) end},
     {flonums, fun() -> list_to_tuple([X * 1.5 || X <- lists:seq(1, 100000)]) end},
     {strings, fun() -> [<<"str", (integer_to_binary(X))/binary>>
                         || X <- lists:seq(1, 100000)] end},
     {records, fun() -> [{X, X * 0.5, <<"name">>, true, [X, X + 1]}
                         || X <- lists:seq(1, 10000)] end}].

run_case(Name, Term, MinNs, Runs) ->
    Bin = term_to_binary(Term),
    %% A broken round trip must not be timed as if it worked.
    true = (binary_to_term(Bin) =:= Term),
    report(Name, encode, byte_size(Bin),
           best(fun() -> term_to_binary(Term) end, MinNs, Runs)),
    report(Name, decode, byte_size(Bin),
           best(fun() -> binary_to_term(Bin) end, MinNs, Runs)).

report(Name, Direction, Bytes, {NsPerOp, Iterations}) ->
    io:format("erlang ~s ~s ~.1f ~b ~b~n",
              [Name, Direction, NsPerOp, Bytes, Iterations]).

%% best returns {NsPerOp, Iterations} of the fastest of Runs runs.
best(Fun, MinNs, Runs) ->
    lists:min([measure(Fun, MinNs, 1) || _ <- lists:seq(1, Runs)]).

measure(Fun, MinNs, N) ->
    garbage_collect(),
    T0 = erlang:monotonic_time(nanosecond),
    repeat(Fun, N),
    Elapsed = erlang:monotonic_time(nanosecond) - T0,
    if
        Elapsed >= MinNs -> {Elapsed / N, N};
        true -> measure(Fun, MinNs, N * 2)
    end.

repeat(_Fun, 0) -> ok;
repeat(Fun, N) ->
    _ = Fun(),
    repeat(Fun, N - 1).
