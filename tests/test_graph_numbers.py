"""The shopping-bill graphs of chapter 1, through MulLayer and AddLayer:
the article's reference numbers, forward and backward."""

import pytest

from nnlib.book.nodes import AddLayer, MulLayer


def test_apples():
    apple, apple_num, tax = 100, 2, 1.1
    mul_apple, mul_tax = MulLayer(), MulLayer()

    apple_price = mul_apple.forward(apple, apple_num)
    price = mul_tax.forward(apple_price, tax)

    dapple_price, dtax = mul_tax.backward(1)
    dapple, dapple_num = mul_apple.backward(dapple_price)

    assert price == pytest.approx(220)
    assert dapple == pytest.approx(2.2)
    assert dapple_num == pytest.approx(110)
    assert dtax == pytest.approx(200)


def test_apples_and_oranges():
    apple, apple_num = 100, 2
    orange, orange_num = 150, 3
    tax = 1.1
    mul_apple, mul_orange = MulLayer(), MulLayer()
    add_fruit, mul_tax = AddLayer(), MulLayer()

    apple_price = mul_apple.forward(apple, apple_num)
    orange_price = mul_orange.forward(orange, orange_num)
    fruit_price = add_fruit.forward(apple_price, orange_price)
    price = mul_tax.forward(fruit_price, tax)

    dfruit_price, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add_fruit.backward(dfruit_price)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)

    assert price == pytest.approx(715)
    assert dapple_num == pytest.approx(110)
    assert dapple == pytest.approx(2.2)
    assert dorange == pytest.approx(3.3)
    assert dorange_num == pytest.approx(165)
    assert dtax == pytest.approx(650)


def test_backward_gives_the_slope_of_the_bill():
    # Raising the apple price by 1 raises the bill by dapple.
    def bill(apple):
        mul_apple, mul_tax = MulLayer(), MulLayer()
        price = mul_tax.forward(mul_apple.forward(apple, 2), 1.1)
        dapple, _ = mul_apple.backward(mul_tax.backward(1)[0])
        return price, dapple

    price, dapple = bill(100)
    assert bill(101)[0] - price == pytest.approx(dapple)
